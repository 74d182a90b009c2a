/** What a (re-)validation found, relative to what was stored before. */
export type OutcomeClass =
  /** Newly verified (the slot was pending or failed). */
  | 'verified'
  | 'failed'
  /** Still verified: same digest, same contract. */
  | 'unchanged'
  /** The tag now resolves to another digest, which passed: re-pinned. */
  | 'drifted'
  /** The tag now resolves to another digest, which failed: the old pin stays launchable. */
  | 'drift-failed'
  /** The tag now resolves to another digest, which passed under a hold policy: held for approval, the old pin kept. */
  | 'drift-held'
  /** The reference no longer pulls. */
  | 'vanished'
  /** The check contract changed since the last verdict: re-tested. */
  | 'contract-changed';
