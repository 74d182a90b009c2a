import { NotLaunchableError } from '../errors.js';
import { subjectLabel, type ImageSlot, type PinKind } from './model.js';

/** What a launcher may run: only ever a verified digest, or the global default. */
export interface Resolution {
  readonly image: string;
  readonly source: 'project' | 'default' | 'env-default';
  readonly pinKind: PinKind | null;
  /** True only for the environment's default, which never went through validation. */
  readonly unvalidated: boolean;
}

export type DefaultSource =
  | { readonly source: 'store'; readonly slot: ImageSlot }
  | { readonly source: 'env'; readonly reference: string }
  | { readonly source: 'none' };

/** Pure: decides what `resolve` hands out, or why it refuses. */
export function decideLaunchImage(slot: ImageSlot, fallback: DefaultSource): Resolution {
  if (slot.reference !== null) return launchable(slot, 'project');
  if (fallback.source === 'store') return launchable(fallback.slot, 'default');
  if (fallback.source === 'env') return { image: fallback.reference, source: 'env-default', pinKind: null, unvalidated: true };
  throw new NotLaunchableError(
    `${subjectLabel(slot.subject)} has no worker image and no global default is configured`,
    'failed',
    'set one: cascade-image set <project> <ref>, or cascade-image defaults set <ref>, or CASCADE_DEFAULT_WORKER_IMAGE',
  );
}

function launchable(slot: ImageSlot, source: 'project' | 'default'): Resolution {
  const name = subjectLabel(slot.subject);
  if (slot.status === 'verified' && slot.digest !== null) {
    return { image: slot.digest, source, pinKind: slot.pinKind, unvalidated: false };
  }
  if (slot.status === 'failed') {
    return refuse(
      new NotLaunchableError(
        `${name}: ${slot.reference} failed validation: ${slot.error ?? 'unknown reason'}`,
        'failed',
        source === 'project'
          ? `set a working image (cascade-image set ${name} <ref>) or clear it to use the global default`
          : 'set a working default: cascade-image defaults set <ref>',
      ),
    );
  }
  return refuse(
    new NotLaunchableError(
      `${name}: ${slot.reference} is pending validation`,
      'pending',
      `wait for the running validation, or run it: cascade-image validate ${source === 'project' ? name : '--default'}`,
    ),
  );
}

function refuse(error: NotLaunchableError): never {
  throw error;
}
