import type { PinKind, Subject, ValidationVerdict } from './model.js';
import type { PullProgress } from '../ports/docker.js';

/** What a validation run reports as it goes; renderers turn these into lines, NDJSON or progress. */
export type LifecycleEvent =
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
      readonly verdict: ValidationVerdict;
      /** 'stale': a newer change won while this run was under way, so nothing was stored. */
      readonly stored: 'stored' | 'stale';
      readonly durationMs: number;
    };

export type LifecycleListener = (event: LifecycleEvent) => void;
