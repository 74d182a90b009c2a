import type { ReadDeps } from '../../commands/read.js';
import type { Services } from '../services.js';

/** The environment's default image: handed out unvalidated when no default is stored. */
export const DEFAULT_IMAGE_ENV = 'CASCADE_DEFAULT_WORKER_IMAGE';

/** The read commands' dependencies: a store that a missing file reads as empty, and the env's default. */
export function readDeps(services: Services): ReadDeps {
  return { store: services.readStore, envDefault: services.env[DEFAULT_IMAGE_ENV] };
}
