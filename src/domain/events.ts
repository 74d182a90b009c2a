import type { EffectiveContract, InventoryChange } from './contract.js';
import type { OutcomeClass } from './outcome.js';
import type { PullProgress } from './pull-progress.js';
import type { PinKind } from './slot.js';
import type { Subject } from './subject.js';
import type { ValidationVerdict } from './verdict.js';

/** What a validation run reports as it goes; renderers turn these into lines, NDJSON or progress. */
export type LifecycleEvent =
  /** A change was stored with its audit row (rendered as the structured audit line on stderr). */
  | {
      readonly type: 'changed';
      readonly subject: Subject;
      readonly event: string;
      readonly actor: string;
      readonly from: string | null;
      readonly to: string | null;
    }
  | {
      /** The contract a scope is held to changed (stored, audited); a re-validation may follow. */
      readonly type: 'contract-changed';
      readonly subject: Subject;
      readonly actor: string;
      /** The scope's own assignment before and after, as audited (null: none of its own). */
      readonly before: string | null;
      readonly after: string | null;
      /** What applied before and what applies now (its own, the default scope's, or the built-in). */
      readonly from: EffectiveContract;
      readonly to: EffectiveContract;
    }
  | { readonly type: 'pending'; readonly subject: Subject; readonly reference: string; readonly generation: number }
  | { readonly type: 'pulling'; readonly subject: Subject; readonly reference: string }
  | { readonly type: 'pull-progress'; readonly subject: Subject; readonly progress: PullProgress }
  | { readonly type: 'pinned'; readonly subject: Subject; readonly digest: string; readonly pinKind: PinKind }
  | { readonly type: 'testing'; readonly subject: Subject; readonly image: string }
  | {
      readonly type: 'finished';
      readonly subject: Subject;
      readonly reference: string;
      readonly generation: number;
      /** What the slot now stores (for drift-failed/vanished: the pin it kept). */
      readonly verdict: ValidationVerdict;
      /** What the run found when the slot kept its previous pin. */
      readonly finding: ValidationVerdict | undefined;
      readonly outcome: OutcomeClass;
      /** The smoke-test verdict came from the store: no container ran. */
      readonly cached: boolean;
      /** The same failure as the previous run: not news (hidden by --changed-only). */
      readonly repeated: boolean;
      /** 'stale': a newer change won while this run was under way, so nothing was stored. */
      readonly stored: 'stored' | 'stale';
      readonly durationMs: number;
      /** A drifted tag: how the new image's tools differ from the pinned digest's. */
      readonly inventoryChanges: readonly InventoryChange[] | undefined;
    };

export type LifecycleListener = (event: LifecycleEvent) => void;
