import type { Subject } from './subject.js';

/** One validation run as the store records it: a lease while it works, the result once it ends. */
export interface ValidationRunRecord {
  readonly runId: string;
  readonly subject: Subject;
  readonly generation: number;
  readonly reference: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly outcome: 'verified' | 'failed' | 'stale' | null;
  readonly digest: string | null;
  readonly error: string | null;
  readonly durationMs: number | null;
  readonly ownerPid: number;
  readonly ownerHost: string;
  readonly leaseExpiresAt: string;
}
