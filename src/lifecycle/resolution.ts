import { NotLaunchableError } from '../errors.js';
import { projectOf, subjectName, type ImageSlot, type PinKind } from '../domain/index.js';

/** What a launcher may run: only ever a verified digest, or the global default. */
export interface Resolution {
  readonly image: string;
  readonly source: 'project' | 'default' | 'env-default';
  readonly pinKind: PinKind | null;
  /** True only for the environment's default, which never went through validation. */
  readonly unvalidated: boolean;
  /** The stored warnings of the verified image handed out (soft checks it failed under a warn contract). */
  readonly warnings: readonly string[];
}

export type DefaultSource =
  | { readonly source: 'store'; readonly slot: ImageSlot }
  | { readonly source: 'env'; readonly reference: string }
  | { readonly source: 'none' };

/** Pure: decides what `resolve` hands out, or why it refuses (the CLI adds what to do about it). */
export function decideLaunchImage(slot: ImageSlot, fallback: DefaultSource): Resolution {
  if (slot.reference !== null) return launchable(slot, 'project');
  if (fallback.source === 'store') return launchable(fallback.slot, 'default');
  if (fallback.source === 'env') return { image: fallback.reference, source: 'env-default', pinKind: null, unvalidated: true, warnings: [] };
  throw new NotLaunchableError(`${subjectName(slot.subject)} has no worker image and no global default is configured`, 'no-image', projectOf(slot.subject));
}

function launchable(slot: ImageSlot, source: 'project' | 'default'): Resolution {
  const name = subjectName(slot.subject);
  if (slot.status === 'verified' && slot.digest !== null) {
    return { image: slot.digest, source, pinKind: slot.pinKind, unvalidated: false, warnings: slot.warnings };
  }
  if (slot.status === 'failed') {
    throw new NotLaunchableError(`${name}: ${slot.reference} failed validation: ${slot.error ?? 'unknown reason'}`, 'failed', projectOf(slot.subject));
  }
  throw new NotLaunchableError(`${name}: ${slot.reference} is pending validation`, 'pending', projectOf(slot.subject));
}
