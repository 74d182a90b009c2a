import { contractHash, type CheckResult } from '../checks/index.js';
import { failed, subjectName, type ImageSlot, type OutcomeClass, type ValidationVerdict } from '../domain/index.js';
import { permit } from './authorization.js';
import { classifyRevalidation } from './classify.js';
import { evaluateReference, type EvaluationDeps } from './evaluate.js';
import type { FullEvaluation } from './evaluation.js';
import { isRepeatedFailure } from './repeated.js';

export interface ValidatorDeps extends EvaluationDeps {
  readonly newRunId: () => string;
  readonly owner: { readonly pid: number; readonly host: string };
  /** Evaluations shared by every slot validated in this process: one per distinct reference. */
  readonly evaluations: Map<string, Promise<FullEvaluation>>;
}

export interface ValidationOptions {
  readonly actor: string;
  readonly timeoutMs: number;
  /** Aborted with the signal's name ('SIGINT' / 'SIGTERM') as its reason. */
  readonly signal?: AbortSignal;
  /** Ignore remembered smoke-test verdicts and run the container again. */
  readonly fresh?: boolean;
}

export interface ValidationOutcome {
  readonly verdict: ValidationVerdict;
  readonly outcome: OutcomeClass;
  /** What the run found when the slot kept its previous pin (drift-failed, vanished, failed). */
  readonly finding: ValidationVerdict | undefined;
  readonly stored: 'stored' | 'stale';
  readonly runId: string;
  readonly durationMs: number;
  readonly cached: boolean;
  /** The same failure as the previous run reported: needs attention, but is not news. */
  readonly repeated: boolean;
  /** Per-check results of the smoke-test (fresh or remembered); undefined when none ran. */
  readonly checks: readonly CheckResult[] | undefined;
  /** This call ran a smoke-test container (not cached, not shared with another slot's evaluation). */
  readonly ranContainer: boolean;
}

/** The lease outlives the smoke-test timeout by a margin for the pull and the store writes. */
const LEASE_MARGIN_MS = 10 * 60_000;

/**
 * Validates the slot's current reference: records a run (a lease), evaluates the reference (once
 * per distinct reference in this process), relates the result to what the slot held, and stores
 * the verdict guarded by the generation the run started with. Fail-closed: every path that does
 * not reach `verified` stores `failed` with a reason; only a store failure can escape.
 */
export async function validateSlot(deps: ValidatorDeps, slot: ImageSlot, options: ValidationOptions): Promise<ValidationOutcome> {
  const reference = slot.reference;
  if (reference === null) throw new Error(`validateSlot called on ${subjectName(slot.subject)} with no reference`);
  const runId = deps.newRunId();
  const started = deps.now().getTime();
  const previous = await deps.store.lastRun(slot.subject);
  await deps.store.beginRun(
    { runId, subject: slot.subject, generation: slot.generation, reference, owner: deps.owner, leaseMs: options.timeoutMs + LEASE_MARGIN_MS },
    permit('revalidate', options.actor),
  );

  const hash = contractHash(deps.contract);
  const key = `${slot.allowLocal ? 'local' : 'registry'} ${reference}`;
  let pending = deps.evaluations.get(key);
  const initiated = pending === undefined;
  if (pending === undefined) {
    pending = evaluateReference(deps, {
      slot,
      reference,
      runId,
      contractHash: hash,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      fresh: options.fresh === true,
    });
    deps.evaluations.set(key, pending);
  }
  let evaluation = await pending;
  if (options.signal?.aborted === true && evaluation.verdict.status === 'verified') {
    // An interrupted run proves nothing about the image, even if the last step happened to finish.
    evaluation = { ...evaluation, verdict: failed('interrupted', `interrupted (${String(options.signal.reason)})`) };
  }
  const pinnedPresent =
    evaluation.pullFailure !== undefined && slot.digest !== null ? (await deps.docker.inspectImage(slot.digest).catch(() => undefined)) !== undefined : false;
  const classification = classifyRevalidation(slot, evaluation, hash, pinnedPresent);
  const durationMs = deps.now().getTime() - started;
  const repeated = isRepeatedFailure(classification.finding ?? classification.store, previous, slot);
  const stored = await deps.store.finishRun({
    runId,
    subject: slot.subject,
    generation: slot.generation,
    reference,
    actor: options.actor,
    verdict: classification.store,
    ...(classification.finding === undefined ? {} : { finding: classification.finding }),
    outcome: classification.outcome,
    ...(evaluation.pin === undefined ? {} : { testedPin: evaluation.pin }),
    // A slot that kept its previous pin keeps the contract that pin was verified against.
    contractHash: classification.finding === undefined ? hash : slot.contractHash,
    durationMs,
    checks: evaluation.report === undefined ? undefined : { contract: hash, results: evaluation.report.results },
  });
  deps.listener({
    type: 'finished',
    subject: slot.subject,
    reference,
    generation: slot.generation,
    verdict: classification.store,
    finding: classification.finding,
    outcome: classification.outcome,
    cached: evaluation.cached,
    repeated,
    stored,
    durationMs,
  });
  return {
    verdict: classification.store,
    outcome: classification.outcome,
    finding: classification.finding,
    stored,
    runId,
    durationMs,
    cached: evaluation.cached,
    repeated,
    checks: evaluation.report?.results ?? evaluation.rememberedChecks,
    ranContainer: initiated && evaluation.ranContainer,
  };
}

/** The engine side of validating, wired once per invocation; each command adds its store and listener. */
export type ValidationEngine = Omit<ValidatorDeps, 'store' | 'listener'>;
