/** One step of a pull as the engine reported it, already classified by the Docker adapter. */
export interface PullProgress {
  /** Layer id, when the event is about one layer. */
  readonly layer?: string;
  /** The engine's own wording, for display only: nothing reads meaning out of it. */
  readonly status: string;
  /** downloading: `current` counts that layer's bytes; done: the layer is complete (pulled or present). */
  readonly phase: 'downloading' | 'done' | 'other';
  readonly current?: number;
  readonly total?: number;
}
