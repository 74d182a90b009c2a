import { buildSmokeScript, contractHash, type CheckContract, type CheckResult, type SmokeReport } from '../checks/index.js';
import { CascadeError } from '../errors.js';
import { DockerFailure, type DockerPort, type ImageFacts, type RegistryAuth } from '../ports/docker.js';
import type { StorePort } from '../ports/store.js';
import { parseDockerRef, parseNormalizedNamed, referenceString } from '../reference/index.js';
import { classifyRevalidation, type Evaluation } from './classify.js';
import { choosePin, failed, failureVerdict, judgeSmokeRun } from './decisions.js';
import type { LifecycleListener } from './events.js';
import { subjectLabel, type ImageSlot, type OutcomeClass, type ValidationVerdict } from './model.js';
import type { PullCoordinator } from './pull-coordinator.js';

/** Labels on every container we create: how cleanup knows ours from anyone else's. */
export const LABELS = {
  managed: 'io.cascade-image.managed',
  runId: 'io.cascade-image.run-id',
  project: 'io.cascade-image.project',
  createdAt: 'io.cascade-image.created-at',
  /** After this time no live run can own the container: any sweep may remove it. */
  expiresAt: 'io.cascade-image.expires-at',
} as const;

/** How long after its timeout a smoke container is surely abandoned (kill and removal take seconds). */
const CONTAINER_GRACE_MS = 60_000;

/** Resource bounds of the smoke-test container. */
export const SMOKE_LIMITS = {
  memoryBytes: 512 * 1024 * 1024,
  pidsLimit: 256,
  outputLimitBytes: 64 * 1024,
  perCheckOutputBytes: 2048,
} as const;

export interface ValidatorDeps {
  readonly docker: DockerPort;
  readonly pulls: PullCoordinator;
  readonly store: StorePort;
  readonly contract: CheckContract;
  readonly now: () => Date;
  readonly newRunId: () => string;
  readonly owner: { readonly pid: number; readonly host: string };
  readonly listener: LifecycleListener;
  /** Registry credentials for a domain as the docker CLI would find them; undefined = anonymous. */
  readonly authFor?: (domain: string) => Promise<RegistryAuth | undefined>;
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

/**
 * Validates the slot's current reference: pull → pin → smoke-test the pinned image (or reuse the
 * remembered verdict for that image and contract) → store the verdict, guarded by the generation
 * the run started with. Fail-closed: every path that does not reach `verified` stores `failed`
 * with a reason; only a store failure can escape.
 */
export async function validateSlot(deps: ValidatorDeps, slot: ImageSlot, options: ValidationOptions): Promise<ValidationOutcome> {
  const reference = slot.reference;
  if (reference === null) throw new Error(`validateSlot called on ${subjectLabel(slot.subject)} with no reference`);
  const runId = deps.newRunId();
  const started = deps.now().getTime();
  const previous = await deps.store.lastRun(slot.subject);
  await deps.store.beginRun({
    runId,
    subject: slot.subject,
    generation: slot.generation,
    reference,
    owner: deps.owner,
    // The lease outlives the smoke-test timeout by a margin for the pull and the store writes.
    leaseMs: options.timeoutMs + 10 * 60_000,
  });

  const hash = contractHash(deps.contract);
  const key = `${slot.allowLocal ? 'local' : 'registry'} ${reference}`;
  let pending = deps.evaluations.get(key);
  const initiated = pending === undefined;
  if (pending === undefined) {
    pending = evaluate(deps, slot, reference, runId, hash, options);
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
  // The same failure as the last finished run of this generation: reported before, nothing new to say.
  const found = classification.finding ?? classification.store;
  const repeated =
    found.status === 'failed' &&
    previous !== undefined &&
    previous.generation === slot.generation &&
    previous.outcome === 'failed' &&
    previous.error === found.reason;
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

export interface FullEvaluation extends Evaluation {
  readonly report: SmokeReport | undefined;
  /** The per-check results stored with a remembered verdict. */
  readonly rememberedChecks?: readonly CheckResult[];
  readonly ranContainer: boolean;
}

async function evaluate(
  deps: ValidatorDeps,
  slot: ImageSlot,
  reference: string,
  runId: string,
  hash: string,
  options: ValidationOptions,
): Promise<FullEvaluation> {
  const progress: PipelineProgress = { pin: undefined, pullFailure: undefined, ranContainer: false };
  try {
    return await runPipeline(deps, slot, reference, runId, hash, options, progress);
  } catch (error) {
    return evaluationAt(progress, verdictForError(error, reference, deps.docker.endpoint, options.signal));
  }
}

/** An evaluation ending with `verdict` at the point the pipeline had reached. */
function evaluationAt(progress: PipelineProgress, verdict: ValidationVerdict, extra: Partial<FullEvaluation> = {}): FullEvaluation {
  return {
    verdict,
    pin: progress.pin,
    pullFailure: progress.pullFailure,
    cached: false,
    report: undefined,
    ranContainer: progress.ranContainer,
    ...extra,
  };
}

async function runPipeline(
  deps: ValidatorDeps,
  slot: ImageSlot,
  reference: string,
  runId: string,
  hash: string,
  options: ValidationOptions,
  progress: PipelineProgress,
): Promise<FullEvaluation> {
  const parsed = parseNormalizedNamed(reference);
  const pullable = parseDockerRef(reference);
  const done = (verdict: ValidationVerdict, extra: Partial<FullEvaluation> = {}) => evaluationAt(progress, verdict, extra);
  if (!parsed.ok || !pullable.ok) {
    return done(failed('invalid-reference', `invalid reference: ${parsed.ok ? 'unparseable' : parsed.error}`));
  }
  const pullRef = referenceString(pullable.value);
  const subject = slot.subject;

  let auth: RegistryAuth | undefined;
  try {
    auth = await deps.authFor?.(parsed.value.domain);
  } catch (error) {
    if (!(error instanceof CascadeError)) throw error;
    return done(failed('credentials', `cannot get registry credentials for ${parsed.value.domain}: ${error.message}`));
  }

  deps.listener({ type: 'pulling', subject, reference: pullRef });
  let pulledDigest: string | null = null;
  try {
    const pulled = await deps.pulls.pull(pullRef, {
      ...(auth === undefined ? {} : { auth }),
      onProgress: (event) => deps.listener({ type: 'pull-progress', subject, progress: event }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    pulledDigest = pulled.digest;
  } catch (error) {
    if (!(error instanceof DockerFailure) || error.kind === 'engine-unavailable' || error.kind === 'aborted') throw error;
    progress.pullFailure = error;
  }

  const image = await inspectAfterPull(deps.docker, pullRef, progress.pullFailure);
  if (image === undefined) {
    if (progress.pullFailure !== undefined) throw progress.pullFailure;
    return done(failed('engine-error', `the engine has no image ${pullRef} after pulling it`));
  }
  const pin = choosePin(parsed.value, image, {
    pulledDigest,
    allowLocal: slot.allowLocal,
    ...(progress.pullFailure === undefined ? {} : { pullFailure: progress.pullFailure.message }),
  });
  if (!pin.ok) return done(failed('no-digest', pin.reason));
  progress.pin = pin.pin;
  deps.listener({ type: 'pinned', subject, digest: pin.pin, pinKind: pin.kind });

  // The same image under the same contract gives the same verdict: never run its container twice.
  const remembered = options.fresh === true ? undefined : await deps.store.cachedSmoke(image.id, hash);
  if (remembered !== undefined) {
    const verdict: ValidationVerdict =
      remembered.status === 'verified'
        ? { status: 'verified', digest: pin.pin, pinKind: pin.kind, warnings: remembered.warnings }
        : failed(remembered.cause ?? 'checks-failed', remembered.reason ?? 'failed an earlier smoke-test');
    return done(verdict, { cached: true, ...(Array.isArray(remembered.results) ? { rememberedChecks: remembered.results as CheckResult[] } : {}) });
  }

  await sweepExpiredContainers(deps);
  deps.listener({ type: 'testing', subject, image: pin.pin });
  const createdAt = deps.now();
  progress.ranContainer = true;
  let judged: ReturnType<typeof judgeSmokeRun>;
  try {
    const run = await deps.docker.runSmokeTest({
      image: pin.pin,
      // Replace any ENTRYPOINT: an image with its own must still be testable. Not a login shell:
      // `bash -l` sources /etc/profile, which resets PATH on Debian-like images.
      entrypoint: ['bash'],
      cmd: ['-c', buildSmokeScript(deps.contract, { outputLimitBytes: SMOKE_LIMITS.perCheckOutputBytes }), 'cascade-smoke'],
      env: ['HOME=/tmp'],
      labels: {
        [LABELS.managed]: 'true',
        [LABELS.runId]: runId,
        [LABELS.project]: subjectLabel(subject),
        [LABELS.createdAt]: createdAt.toISOString(),
        [LABELS.expiresAt]: new Date(createdAt.getTime() + options.timeoutMs + CONTAINER_GRACE_MS).toISOString(),
      },
      timeoutMs: options.timeoutMs,
      outputLimitBytes: SMOKE_LIMITS.outputLimitBytes,
      memoryBytes: SMOKE_LIMITS.memoryBytes,
      pidsLimit: SMOKE_LIMITS.pidsLimit,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    judged = judgeSmokeRun(deps.contract, run, pin, options.timeoutMs);
  } catch (error) {
    if (error instanceof DockerFailure && error.kind === 'no-bash') {
      const verdict = failureVerdict(error, { reference, endpoint: deps.docker.endpoint });
      await remember(deps, image.id, hash, verdict, []);
      return done(verdict);
    }
    throw error;
  }
  const { verdict, report } = judged;
  // Only verdicts that are properties of the image are remembered; a timeout may be the machine's fault.
  if (verdict.status === 'verified' || (verdict.status === 'failed' && verdict.cause === 'checks-failed' && report.complete)) {
    await remember(deps, image.id, hash, verdict, report.results);
  }
  return done(verdict, { report });
}

/** What the pipeline had reached when it stopped, for the verdict of a run that threw. */
interface PipelineProgress {
  pin: string | undefined;
  pullFailure: DockerFailure | undefined;
  ranContainer: boolean;
}

async function remember(deps: ValidatorDeps, imageId: string, hash: string, verdict: ValidationVerdict, results: unknown): Promise<void> {
  await deps.store.saveSmoke(imageId, hash, {
    status: verdict.status,
    cause: verdict.status === 'failed' ? verdict.cause : null,
    reason: verdict.status === 'failed' ? verdict.reason : null,
    warnings: verdict.status === 'verified' ? verdict.warnings : [],
    results,
  });
}

/**
 * Removes smoke containers of ours whose expiry passed: leftovers of a crashed run. Best effort:
 * a sweep that fails must never fail the validation it precedes.
 */
async function sweepExpiredContainers(deps: ValidatorDeps): Promise<void> {
  try {
    const now = deps.now().getTime();
    for (const container of await deps.docker.listContainers({ [LABELS.managed]: 'true' })) {
      const expires = Date.parse(container.labels[LABELS.expiresAt] ?? '');
      if (Number.isFinite(expires) && expires <= now) await deps.docker.removeContainer(container.id);
    }
  } catch {
    // The validation itself will report an engine that is really down.
  }
}

/**
 * After a failed pull, a local copy is only of use when it never came from a registry: then the
 * verdict can say precisely "local-only" (or pin it with --allow-local). A stale copy of a registry
 * image proves nothing about what the reference names now, so the pull failure stands.
 */
async function inspectAfterPull(docker: DockerPort, pullRef: string, pullFailure: DockerFailure | undefined): Promise<ImageFacts | undefined> {
  const image = await docker.inspectImage(pullRef);
  if (pullFailure === undefined || image === undefined) return image;
  if (image.repoDigests.length > 0) throw pullFailure;
  return image;
}

function verdictForError(error: unknown, reference: string, endpoint: string, signal: AbortSignal | undefined): ValidationVerdict {
  if (error instanceof DockerFailure) {
    return failureVerdict(error, {
      reference,
      endpoint,
      ...(signal?.aborted === true ? { interruptedBy: String(signal.reason) } : {}),
    });
  }
  if (signal?.aborted === true) return failed('interrupted', `interrupted (${String(signal.reason)})`);
  const message = error instanceof Error ? error.message : String(error);
  return failed('engine-error', `validation failed unexpectedly: ${message}`);
}

