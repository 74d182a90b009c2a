import type { DefaultImage } from '../commands/read.js';
import { projectOf, type ImageSlot } from '../domain/index.js';

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
  /** Stored with a verified image: the soft checks it failed under a contract that warns. */
  readonly warnings: readonly string[];
  /** What the pinned digest contains: every version check's version and the path of its tool. */
  readonly inventory: ImageSlot['inventory'];
  /** The contract the stored verdict was reached against. */
  readonly contractHash: string | null;
}

export function slotView(slot: ImageSlot): SlotView {
  return {
    project: projectOf(slot.subject),
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
    warnings: slot.warnings,
    inventory: slot.inventory,
    contractHash: slot.contractHash,
  };
}

/** The global default in JSON: the stored slot, the environment's unvalidated reference, or none. */
export function defaultView(current: DefaultImage): Record<string, unknown> {
  if (current.source === 'store') return { source: 'store', ...slotView(current.slot) };
  if (current.source === 'env') return { source: 'env', workerImage: current.reference, workerImageStatus: null, unvalidated: true };
  return { source: 'none', workerImage: null };
}
