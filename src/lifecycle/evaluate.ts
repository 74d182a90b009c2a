import type { CheckContract, CheckResult } from '../checks/index.js';
import { failed, type ImageSlot, type LifecycleListener, type ValidationVerdict } from '../domain/index.js';
import { CascadeError, DockerFailure } from '../errors.js';
import type { RegistryCredentials } from '../ports/credentials.js';
import type { DockerPort, ImageFacts, RegistryAuth } from '../ports/docker.js';
import type { StorePort } from '../ports/store.js';
import { parseDockerRef, parseNormalizedNamed, referenceString } from '../reference/index.js';
import { smokeRunSpec } from './container-policy.js';
import { choosePin, failureVerdict, judgeSmokeRun } from './decisions.js';
import { evaluationAt, type FullEvaluation, type PipelineProgress } from './evaluation.js';
import type { PullCoordinator } from './pull-coordinator.js';
import { sweepExpiredContainers } from './sweep.js';

/** What evaluating a reference needs: the engine, the store's smoke cache, credentials, a clock. */
export interface EvaluationDeps {
  readonly docker: DockerPort;
  readonly pulls: PullCoordinator;
  readonly store: StorePort;
  readonly contract: CheckContract;
  readonly now: () => Date;
  readonly listener: LifecycleListener;
  /** undefined: every pull is anonymous. */
  readonly credentials?: RegistryCredentials;
}

/** One evaluation: the slot it is for (its subject, allowLocal), and the run it belongs to. */
export interface EvaluationRequest {
  readonly slot: ImageSlot;
  readonly reference: string;
  readonly runId: string;
  readonly contractHash: string;
  readonly timeoutMs: number;
  /** Aborted with the signal's name ('SIGINT' / 'SIGTERM') as its reason. */
  readonly signal: AbortSignal | undefined;
  /** Ignore remembered smoke-test verdicts and run the container again. */
  readonly fresh: boolean;
}

/**
 * pull → pin → smoke-test the pinned image (or reuse the remembered verdict for that image and
 * contract). Never throws: whatever stops the pipeline becomes a `failed` verdict at the point
 * it had reached.
 */
export async function evaluateReference(deps: EvaluationDeps, request: EvaluationRequest): Promise<FullEvaluation> {
  const progress: PipelineProgress = { pin: undefined, pullFailure: undefined, ranContainer: false };
  try {
    return await runPipeline(deps, request, progress);
  } catch (error) {
    return evaluationAt(progress, verdictForError(error, request.reference, deps.docker.endpoint, request.signal));
  }
}

async function runPipeline(deps: EvaluationDeps, request: EvaluationRequest, progress: PipelineProgress): Promise<FullEvaluation> {
  const { slot, reference, signal } = request;
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
    auth = await deps.credentials?.forRegistry(parsed.value.domain);
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
      ...(signal === undefined ? {} : { signal }),
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
    ...(progress.pullFailure === undefined ? {} : { pullFailure: progress.pullFailure.detail }),
  });
  if (!pin.ok) return done(failed('no-digest', pin.reason));
  progress.pin = pin.pin;
  deps.listener({ type: 'pinned', subject, digest: pin.pin, pinKind: pin.kind });

  // The same image under the same contract gives the same verdict: never run its container twice.
  const remembered = request.fresh ? undefined : await deps.store.cachedSmoke(image.id, request.contractHash);
  if (remembered !== undefined) {
    const verdict: ValidationVerdict =
      remembered.status === 'verified'
        ? { status: 'verified', digest: pin.pin, pinKind: pin.kind, warnings: remembered.warnings }
        : failed(remembered.cause ?? 'checks-failed', remembered.reason ?? 'failed an earlier smoke-test');
    return done(verdict, { cached: true, ...(Array.isArray(remembered.results) ? { rememberedChecks: remembered.results as CheckResult[] } : {}) });
  }

  await sweepExpiredContainers(deps.docker, deps.now());
  deps.listener({ type: 'testing', subject, image: pin.pin });
  progress.ranContainer = true;
  let judged: ReturnType<typeof judgeSmokeRun>;
  try {
    const run = await deps.docker.runSmokeTest(
      smokeRunSpec({ image: pin.pin, contract: deps.contract, runId: request.runId, subject, createdAt: deps.now(), timeoutMs: request.timeoutMs, signal }),
    );
    judged = judgeSmokeRun(deps.contract, run, pin, request.timeoutMs);
  } catch (error) {
    if (error instanceof DockerFailure && error.kind === 'no-bash') {
      const verdict = failureVerdict(error, { reference, endpoint: deps.docker.endpoint });
      await remember(deps.store, image.id, request.contractHash, verdict, []);
      return done(verdict);
    }
    throw error;
  }
  const { verdict, report } = judged;
  // Only verdicts that are properties of the image are remembered; a timeout may be the machine's fault.
  if (verdict.status === 'verified' || (verdict.status === 'failed' && verdict.cause === 'checks-failed' && report.complete)) {
    await remember(deps.store, image.id, request.contractHash, verdict, report.results);
  }
  return done(verdict, { report });
}

async function remember(store: StorePort, imageId: string, hash: string, verdict: ValidationVerdict, results: unknown): Promise<void> {
  await store.saveSmoke(imageId, hash, {
    status: verdict.status,
    cause: verdict.status === 'failed' ? verdict.cause : null,
    reason: verdict.status === 'failed' ? verdict.reason : null,
    warnings: verdict.status === 'verified' ? verdict.warnings : [],
    results,
  });
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
