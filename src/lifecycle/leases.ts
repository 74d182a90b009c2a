import type { ValidationRunRecord } from '../domain/index.js';
import { LABELS } from './labels.js';

/**
 * Whether a validation run can still deliver a result. A run holds a lease in the store; a crashed
 * process (kill -9, power loss) leaves it unfinished, and its project `pending` until someone
 * notices: these decisions say who may take over.
 */
export type RunLiveness = 'finished' | 'live' | 'lease-expired' | 'owner-gone';

export interface Here {
  readonly host: string;
  readonly now: Date;
  /** Whether a process id on this host is still running. */
  readonly isAlive: (pid: number) => boolean;
}

export function runLiveness(run: ValidationRunRecord, here: Here): RunLiveness {
  if (run.finishedAt !== null) return 'finished';
  if (Date.parse(run.leaseExpiresAt) <= here.now.getTime()) return 'lease-expired';
  // A process on another host can't be checked from here: its lease is all we know.
  if (run.ownerHost === here.host && !here.isAlive(run.ownerPid)) return 'owner-gone';
  return 'live';
}

/** A pending slot needs a (new) validation unless a live run is already working on its generation. */
export function needsValidation(run: ValidationRunRecord | undefined, here: Here): boolean {
  return run === undefined || runLiveness(run, here) !== 'live';
}

/** Why a pending slot looks abandoned, for `show`; undefined when it does not. */
export function abandonedReason(run: ValidationRunRecord | undefined, here: Here): string | undefined {
  if (run === undefined) return 'no validation has run for this reference (stored with --no-validate, or the run never started)';
  switch (runLiveness(run, here)) {
    case 'lease-expired':
      return `run ${run.runId} (pid ${run.ownerPid} on ${run.ownerHost}) passed its lease at ${run.leaseExpiresAt} without a result`;
    case 'owner-gone':
      return `run ${run.runId} stopped without a result: its process ${run.ownerPid} on ${run.ownerHost} is gone`;
    case 'finished':
      return `run ${run.runId} finished without storing a result`;
    case 'live':
      return undefined;
  }
}

export interface ContainerFacts {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** A container's own expiry label has passed: no live run, of any store, can still own it. */
export function containerExpired(container: ContainerFacts, now: Date): boolean {
  const expires = Date.parse(container.labels[LABELS.expiresAt] ?? '');
  return Number.isFinite(expires) && expires <= now.getTime();
}

/**
 * Whether `cleanup` may remove one of our containers: its run is known and can no longer deliver,
 * or (for a run this store doesn't know, e.g. another store on the same engine) its own
 * expiry has passed.
 */
export function containerIsOrphan(container: ContainerFacts, run: ValidationRunRecord | undefined, here: Here): boolean {
  if (run !== undefined) return runLiveness(run, here) !== 'live';
  return containerExpired(container, here.now);
}
