import type { AuditEntry, ImageSlot, Subject } from '../lifecycle/model.js';

/** The JSON shape of one slot: the field names CASCADE's own API uses for a project's worker image. */
export interface SlotView {
  readonly project: string | null;
  readonly workerImage: string | null;
  readonly workerImageStatus: ImageSlot['status'];
  readonly workerImageDigest: string | null;
  readonly workerImageError: string | null;
  readonly pinKind: ImageSlot['pinKind'];
  readonly allowLocal: boolean;
  readonly generation: number;
  readonly usesGlobalDefault: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly validatedAt: string | null;
}

export function slotView(slot: ImageSlot): SlotView {
  return {
    project: projectName(slot.subject),
    workerImage: slot.reference,
    workerImageStatus: slot.status,
    workerImageDigest: slot.digest,
    workerImageError: slot.error,
    pinKind: slot.pinKind,
    allowLocal: slot.allowLocal,
    generation: slot.generation,
    usesGlobalDefault: slot.reference === null,
    createdAt: slot.createdAt,
    updatedAt: slot.updatedAt,
    validatedAt: slot.validatedAt,
  };
}

export function projectName(subject: Subject): string | null {
  return subject.kind === 'project' ? subject.project : null;
}

export function auditView(entry: AuditEntry): Record<string, unknown> {
  return { ...entry };
}
