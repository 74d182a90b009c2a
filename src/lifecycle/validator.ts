import { diffInventories, inventoryOf } from '../checks/index.js';
import {
  subjectName,
  type CheckResult,
  type EffectivePolicy,
  type HeldDrift,
  type ImageSlot,
  type Inventory,
  type InventoryChange,
  type OutcomeClass,
  type ValidationVerdict,
} from '../domain/index.js';
import type { StorePort } from '../ports/store.js';
import { permit } from './authorization.js';
import { leaseMs, validationBoundMs } from './bounds.js';
import { classifyRevalidation } from './classify.js';
import { effectiveContract } from './contracts.js';
import { effectivePolicy } from './policies.js';
import { interruptedVerdict } from './decisions.js';
import { evaluateReference, type EvaluationDeps } from './evaluate.js';
import type { FullEvaluation } from './evaluation.js';
import { isRepeatedFailure } from './repeated.js';

export interface ValidatorDeps extends Omit<EvaluationDeps, 'store'> {
  readonly store: StorePort;
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
  /** What the run found (every version check's version and path); undefined when no check ran. */
  readonly inventory: Inventory | undefined;
  /** A drifted tag: how its inventory differs from the pinned digest's (undefined when not a drift). */
  readonly inventoryChanges: readonly InventoryChange[] | undefined;
  /** The contract the run held the image to. */
  readonly contractHash: string;
}

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
    { runId, subject: slot.subject, generation: slot.generation, reference, owner: deps.owner, leaseMs: leaseMs(options.timeoutMs) },
    permit('revalidate', options.actor),
  );

  // The contract as assigned when the run starts; a change during the run shows as contract-changed next time.
  const [contracts, policies] = await Promise.all([deps.store.contractAssignments(), deps.store.policyAssignments()]);
  const contract = effectiveContract(slot.subject, contracts);
  const policy = effectivePolicy(slot.subject, policies);
  const hash = contract.hash;
  // One evaluation per reference, contract and signature policy: two projects trusting different keys never share a verdict.
  const key = `${slot.allowLocal ? 'local' : 'registry'} ${hash} ${trustKey(policy)} ${reference}`;
  let pending = deps.evaluations.get(key);
  const initiated = pending === undefined;
  if (pending === undefined) {
    // Every engine call of the run ends at the interrupt or at the validation's bound, whichever comes first.
    const bound = AbortSignal.timeout(validationBoundMs(options.timeoutMs));
    pending = evaluateReference(deps, {
      subject: slot.subject,
      allowLocal: slot.allowLocal,
      reference,
      runId,
      contract,
      policy,
      timeoutMs: options.timeoutMs,
      interrupt: options.signal,
      signal: options.signal === undefined ? bound : AbortSignal.any([options.signal, bound]),
      fresh: options.fresh === true,
    });
    deps.evaluations.set(key, pending);
  }
  let evaluation = await pending;
  if (options.signal?.aborted === true) {
    // An interrupted run is recorded as interrupted, whatever its (possibly shared) evaluation reached.
    evaluation = { ...evaluation, verdict: interruptedVerdict(options.signal) };
  }
  const pinnedPresent = evaluation.pullFailure !== undefined && slot.digest !== null && (await presentLocally(deps, slot.digest, options.signal));
  const classification = classifyRevalidation(slot, evaluation, hash, pinnedPresent, policy.drift);
  const durationMs = deps.now().getTime() - started;
  const checks = evaluation.report?.results ?? evaluation.rememberedChecks;
  const inventory = checks === undefined ? undefined : inventoryOf(checks, contract.contract.checks);
  const inventoryChanges = driftChanges(slot, classification.outcome, inventory);
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
    ...(inventory === undefined ? {} : { inventory }),
    ...(inventoryChanges === undefined ? {} : { auditDetail: { inventoryChanges } }),
    ...(classification.outcome === 'drift-held' && classification.finding?.status === 'verified'
      ? { held: heldDrift(classification.finding, { slot, hash, inventory, inventoryChanges, runId, foundAt: deps.now() }) }
      : {}),
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
    inventoryChanges,
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
    checks,
    ranContainer: initiated && evaluation.ranContainer,
    inventory,
    inventoryChanges,
    contractHash: hash,
  };
}

/** What a signature policy makes of a verdict: its mode and keys, so evaluations under other keys are never shared. */
function trustKey(policy: EffectivePolicy): string {
  return policy.signatures === null ? 'unsigned' : `${policy.signatures.mode}:${policy.signatures.keys.map((key) => key.fingerprint).join(',')}`;
}

/** The drift a hold policy keeps for `approve`: what was found, for the generation it was found for. */
function heldDrift(
  found: Extract<ValidationVerdict, { status: 'verified' }>,
  context: { slot: ImageSlot; hash: string; inventory: Inventory | undefined; inventoryChanges: readonly InventoryChange[] | undefined; runId: string; foundAt: Date },
): HeldDrift {
  return {
    digest: found.digest,
    pinKind: found.pinKind,
    generation: context.slot.generation,
    contractHash: context.hash,
    warnings: found.warnings,
    inventory: context.inventory ?? null,
    inventoryChanges: context.inventoryChanges ?? [],
    runId: context.runId,
    foundAt: context.foundAt.toISOString(),
  };
}

/** For a tag that moved (re-pinned, held, or kept its pin because the new image fails): what changed in it. */
function driftChanges(slot: ImageSlot, outcome: OutcomeClass, found: Inventory | undefined): readonly InventoryChange[] | undefined {
  if ((outcome !== 'drifted' && outcome !== 'drift-failed' && outcome !== 'drift-held') || found === undefined || slot.inventory === null) return undefined;
  return diffInventories(slot.inventory, found);
}

/** Whether the pinned image is still on the engine; an engine that cannot say counts as no. */
async function presentLocally(deps: ValidatorDeps, digest: string, signal: AbortSignal | undefined): Promise<boolean> {
  const found = await deps.docker.inspectImage(digest, signal === undefined ? {} : { signal }).catch(() => undefined);
  return found !== undefined;
}

/** The engine side of validating, wired once per invocation; each command adds its store and listener. */
export type ValidationEngine = Omit<ValidatorDeps, 'store' | 'listener'>;
