import { failed, type DriftPolicy, type ImageSlot, type OutcomeClass, type ValidationVerdict } from '../domain/index.js';
import type { DockerFailure } from '../errors.js';

/** What one evaluation of a reference found, independent of any project. */
export interface Evaluation {
  readonly verdict: ValidationVerdict;
  /** The immutable reference that was (or would have been) tested; undefined when no pin was reached. */
  readonly pin: string | undefined;
  /** Set when the pull failed: the reference no longer pulls (deleted, denied, registry down). */
  readonly pullFailure: DockerFailure | undefined;
  readonly cached: boolean;
}

export interface Classification {
  readonly outcome: OutcomeClass;
  /** What the slot stores. */
  readonly store: ValidationVerdict;
  /** What the run found, when the slot keeps something else. */
  readonly finding: ValidationVerdict | undefined;
}

/**
 * Pure: relates a fresh evaluation to what the slot held before. A slot that was not verified
 * simply takes the verdict. A verified slot keeps its launchable pin unless the evidence is about
 * the pinned image itself: it fails a changed contract, or it is gone from registry and engine.
 * Everything else (a tag moved to a bad image, an engine hiccup) is reported, not applied.
 */
export function classifyRevalidation(
  slot: ImageSlot,
  evaluation: Evaluation,
  contractHash: string,
  pinnedImagePresent: boolean,
  drift: DriftPolicy = 'repin',
): Classification {
  const { verdict } = evaluation;
  if (slot.status !== 'verified' || slot.digest === null) {
    return { outcome: verdict.status, store: verdict, finding: undefined };
  }
  const kept: ValidationVerdict = { status: 'verified', digest: slot.digest, pinKind: slot.pinKind ?? 'registry', warnings: [] };
  const keep = (outcome: OutcomeClass): Classification => ({ outcome, store: kept, finding: verdict });
  const contractChanged = slot.contractHash !== null && slot.contractHash !== contractHash;

  if (evaluation.pullFailure !== undefined && verdict.status === 'failed' && verdict.cause !== 'engine-unavailable') {
    if (pinnedImagePresent) return keep('vanished');
    return {
      outcome: 'vanished',
      store: failed(verdict.cause, `${verdict.reason}; the pinned image ${slot.digest} is no longer present locally either`),
      finding: undefined,
    };
  }
  if (verdict.status === 'verified') {
    if (verdict.digest !== slot.digest) {
      // Under a hold policy a moved tag that passes waits for an operator: the old pin stays launchable.
      return drift === 'hold' ? keep('drift-held') : { outcome: 'drifted', store: verdict, finding: undefined };
    }
    return { outcome: contractChanged ? 'contract-changed' : 'unchanged', store: verdict, finding: undefined };
  }
  if (evaluation.pin === slot.digest) {
    // The pinned image itself was tested and failed: under a new contract that is final.
    if (contractChanged) return { outcome: 'contract-changed', store: verdict, finding: undefined };
    // Nobody trusted vouches for the pinned image (a policy set since, a key revoked): not launchable.
    if (verdict.cause === 'untrusted') return { outcome: 'failed', store: verdict, finding: undefined };
    // Same image, same contract, passed before: the environment (timeout, engine) is to blame.
    return keep('failed');
  }
  // The tag moved to an image that fails: the old pin stays launchable; the drift is reported.
  if (evaluation.pin !== undefined) return keep('drift-failed');
  return keep('failed');
}

/** Outcomes a cron wrapper must hear about (non-zero exit): a held drift waits for an operator. */
export function needsAttention(outcome: OutcomeClass | 'stale'): boolean {
  return outcome === 'failed' || outcome === 'drift-failed' || outcome === 'drift-held' || outcome === 'vanished' || outcome === 'stale';
}
