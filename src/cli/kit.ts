import type { Command } from 'commander';
import { UsageError, type ExitCodeValue } from '../errors.js';
import { parseDuration } from '../lifecycle/durations.js';
import type { AppContext } from './context.js';
import type { Runtime } from './runtime.js';

/** What every group of commands needs from the program that hosts it. */
export interface CliKit {
  readonly runtime: Runtime;
  /** Reports the invocation's exit code (the entry module sets it on the process). */
  readonly settle: (code: ExitCodeValue) => void;
  /** The composition root for one command, from its parsed global options. */
  readonly context: (command: Command) => AppContext;
}

export const DEFAULT_TIMEOUT = '5m';

export function timeoutOf(text: string | undefined): number {
  const ms = parseDuration(text ?? DEFAULT_TIMEOUT);
  if (ms === undefined || ms <= 0) {
    throw new UsageError(`invalid --timeout ${JSON.stringify(text)}`, { hint: 'use a duration such as 90s, 5m or 1m30s' });
  }
  return ms;
}

export function sinceOf(text: string, now: Date): string {
  const ms = parseDuration(text);
  if (ms !== undefined) return new Date(now.getTime() - ms).toISOString();
  const time = new Date(text);
  if (Number.isNaN(time.getTime())) {
    throw new UsageError(`invalid --since ${JSON.stringify(text)}`, { hint: 'use a duration (24h, 30m) or an ISO time (2026-11-28T06:00:00Z)' });
  }
  return time.toISOString();
}

export function interruptedBy(ctx: AppContext): 'SIGINT' | 'SIGTERM' | undefined {
  const reason: unknown = ctx.signal.reason;
  return ctx.signal.aborted && (reason === 'SIGINT' || reason === 'SIGTERM') ? reason : undefined;
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
