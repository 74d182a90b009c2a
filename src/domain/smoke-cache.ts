import type { FailureCause } from './verdict.js';

/** A smoke-test verdict remembered per (image ID, contract hash): the same image is never tested twice. */
export interface CachedSmoke {
  readonly status: 'verified' | 'failed';
  readonly cause: FailureCause | null;
  readonly reason: string | null;
  readonly warnings: readonly string[];
  readonly results: unknown;
  readonly testedAt: string;
}
