import type { DockerPort } from '../ports/docker.js';
import { OURS } from './labels.js';
import { containerExpired } from './leases.js';

/**
 * Removes smoke containers of ours whose expiry passed: leftovers of a crashed run. Best effort:
 * a sweep that fails must never fail the validation it precedes.
 */
export async function sweepExpiredContainers(docker: DockerPort, now: Date, signal: AbortSignal): Promise<void> {
  try {
    for (const container of await docker.listContainers(OURS, { signal })) {
      if (containerExpired(container, now)) await docker.removeContainer(container.id, { signal });
    }
  } catch {
    // The validation itself will report an engine that is really down.
  }
}
