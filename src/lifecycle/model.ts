/** The domain model the lifecycle engine, the store port and the renderers share. */

export type ImageStatus = 'pending' | 'verified' | 'failed';

/** What a pinned digest points at: a registry manifest, or (with --allow-local) a local image ID. */
export type PinKind = 'registry' | 'local';

/** Whose image it is: one project's, or the global default that projects without one fall back to. */
export type Subject = { readonly kind: 'project'; readonly project: string } | { readonly kind: 'default' };

export const DEFAULT_SUBJECT: Subject = { kind: 'default' };
export const projectSubject = (project: string): Subject => ({ kind: 'project', project });

export function subjectLabel(subject: Subject): string {
  return subject.kind === 'project' ? subject.project : '(default)';
}

/** One worker-image slot as stored: a project's or the global default's. */
export interface ImageSlot {
  readonly subject: Subject;
  readonly reference: string | null;
  readonly status: ImageStatus | null;
  readonly digest: string | null;
  readonly pinKind: PinKind | null;
  readonly error: string | null;
  readonly allowLocal: boolean;
  /** Bumped by every change; a validation result is stored only for the generation it started with. */
  readonly generation: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly validatedAt: string | null;
  /** The check contract the stored verdict was reached against. */
  readonly contractHash: string | null;
}

export type ValidationVerdict =
  | { readonly status: 'verified'; readonly digest: string; readonly pinKind: PinKind; readonly warnings: readonly string[] }
  | { readonly status: 'failed'; readonly reason: string; readonly cause: FailureCause };

/** Why a validation failed, coarse enough for exit codes and JSON consumers. */
export type FailureCause =
  | 'invalid-reference'
  | 'credentials'
  | 'pull-denied'
  | 'pull-not-found'
  | 'registry-unreachable'
  | 'engine-unavailable'
  | 'platform'
  | 'no-digest'
  | 'no-bash'
  | 'checks-failed'
  | 'timeout'
  | 'interrupted'
  | 'engine-error';

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

export type OperatorRole = 'superadmin' | 'viewer';

export interface OperatorRecord {
  readonly actor: string;
  readonly role: OperatorRole;
  readonly grantedBy: string;
  readonly grantedAt: string;
}

export interface AuditEntry {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly project: string | null;
  readonly event: string;
  readonly from: string | null;
  readonly to: string | null;
  readonly detail: Record<string, unknown> | null;
}

/** What a (re-)validation found, relative to what was stored before. */
export type OutcomeClass =
  /** Newly verified (the slot was pending or failed). */
  | 'verified'
  | 'failed'
  /** Still verified: same digest, same contract. */
  | 'unchanged'
  /** The tag now resolves to another digest, which passed: re-pinned. */
  | 'drifted'
  /** The tag now resolves to another digest, which failed: the old pin stays launchable. */
  | 'drift-failed'
  /** The reference no longer pulls. */
  | 'vanished'
  /** The check contract changed since the last verdict: re-tested. */
  | 'contract-changed';

/** A smoke-test verdict remembered per (image ID, contract hash): the same image is never tested twice. */
export interface CachedSmoke {
  readonly status: 'verified' | 'failed';
  readonly cause: FailureCause | null;
  readonly reason: string | null;
  readonly warnings: readonly string[];
  readonly results: unknown;
  readonly testedAt: string;
}
