import type { ImageSlot, ValidationRunRecord, ValidationVerdict } from '../domain/index.js';

/** The same failure as the last finished run of this generation: reported before, nothing new to say. */
export function isRepeatedFailure(found: ValidationVerdict, previous: ValidationRunRecord | undefined, slot: ImageSlot): boolean {
  return (
    found.status === 'failed' &&
    previous !== undefined &&
    previous.generation === slot.generation &&
    previous.outcome === 'failed' &&
    previous.error === found.reason
  );
}
