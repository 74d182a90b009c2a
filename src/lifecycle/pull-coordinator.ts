import type { DockerPort, PullOptions, PullResult } from '../ports/docker.js';

/**
 * Deduplicates concurrent pulls of one reference within a process: the second caller waits for
 * the first pull instead of starting another. Settled pulls are forgotten, so a later run pulls again.
 */
export class PullCoordinator {
  private readonly inFlight = new Map<string, Promise<PullResult>>();

  constructor(private readonly docker: DockerPort) {}

  pull(reference: string, options: PullOptions = {}): Promise<PullResult> {
    const running = this.inFlight.get(reference);
    if (running !== undefined) return running;
    const started = this.docker.pull(reference, options).finally(() => this.inFlight.delete(reference));
    this.inFlight.set(reference, started);
    return started;
  }
}
