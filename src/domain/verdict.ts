import type { PinKind } from './slot.js';

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
  /** Not signed by a key of the signature policy (enforce). */
  | 'untrusted'
  /** The registry could not be asked for the image's signatures (enforce): not the image's fault. */
  | 'signatures-unavailable'
  | 'timeout'
  | 'interrupted'
  | 'engine-error';

export function failed(cause: FailureCause, reason: string): ValidationVerdict {
  return { status: 'failed', cause, reason };
}
