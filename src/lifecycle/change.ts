import { InvalidReferenceError } from '../errors.js';
import type { Subject } from '../domain/index.js';
import type { SlotChangeResult, StorePort } from '../ports/store.js';
import { parseNormalizedNamed } from '../reference/index.js';
import { permit } from './authorization.js';

export interface ImageChangeRequest {
  readonly subject: Subject;
  /** The new reference, or null to revert to the global default. */
  readonly reference: string | null;
  readonly actor: string;
  readonly create: boolean;
  readonly allowLocal: boolean;
  readonly via: string;
}

/** The audit event of a change, by whose slot it is. */
export function changeEvent(subject: Subject): string {
  return subject.kind === 'project' ? 'project_worker_image_changed' : 'default_worker_image_changed';
}

/** Checks the grammar before anything is stored: a malformed reference never reaches the store or Docker. */
export function checkReference(reference: string): string {
  const parsed = parseNormalizedNamed(reference);
  if (!parsed.ok) throw new InvalidReferenceError(reference, parsed.error);
  return reference;
}

/**
 * Stores the change as `pending` (or back to the default) with its audit row, in one transaction
 * that also applies the authorization rule. The reference was checked by `checkReference` first.
 */
export async function changeImage(store: StorePort, request: ImageChangeRequest): Promise<SlotChangeResult> {
  return store.changeSlot(
    {
      subject: request.subject,
      reference: request.reference,
      allowLocal: request.reference !== null && request.allowLocal,
      actor: request.actor,
      create: request.create,
      event: changeEvent(request.subject),
      detail: { via: request.via },
    },
    permit('change', request.actor),
  );
}
