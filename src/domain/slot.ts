import type { Inventory } from './contract.js';
import type { Subject } from './subject.js';
import type { HeldDrift } from './trust.js';

export type ImageStatus = 'pending' | 'verified' | 'failed';

/** What a pinned digest points at: a registry manifest, or (with --allow-local) a local image ID. */
export type PinKind = 'registry' | 'local';

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
  /** The stored verdict's warnings (verified with warnings): empty unless verified. */
  readonly warnings: readonly string[];
  /** What the version checks found in the pinned digest; null without a pin or when none was recorded. */
  readonly inventory: Inventory | null;
  /** A drifted tag that passed under a hold policy, waiting for approval beside the kept pin; null when none is. */
  readonly held: HeldDrift | null;
}

/** What `list` prints of a slot: its lifecycle line, without the inventory or a held drift (read only by `show`). */
export type SlotSummary = Pick<ImageSlot, 'subject' | 'reference' | 'status' | 'digest' | 'pinKind' | 'error' | 'warnings'>;
