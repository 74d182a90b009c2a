import type { Command } from 'commander';
import type { ExitCodeValue } from '../errors.js';
import type { Runtime } from './runtime.js';
import type { Services } from './services.js';

/** What every command's registration needs from the program that hosts it. */
export interface CliKit {
  readonly runtime: Runtime;
  /** The composition root for one command, from its parsed global options. */
  services(command: Command): Services;
  /** Wraps an action so that the exit code it returns becomes the invocation's. */
  action<A extends unknown[]>(handler: (...args: A) => Promise<ExitCodeValue>): (...args: A) => Promise<void>;
}
