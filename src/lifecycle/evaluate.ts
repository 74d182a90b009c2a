import {
  failed,
  type CheckResult,
  type EffectiveContract,
  type EffectivePolicy,
  type LifecycleListener,
  type PinKind,
  type SignaturePolicy,
  type SignatureVerdict,
  type Subject,
  type ValidationVerdict,
} from '../domain/index.js';
import { CascadeError, DockerFailure, RegistryUnavailableError } from '../errors.js';
import type { RegistryCredentials } from '../ports/credentials.js';
import type { DockerPort, EngineVersion, ImageFacts, PullResult, RegistryAuth } from '../ports/docker.js';
import type { SignatureSource } from '../ports/signatures.js';
import type { StorePort } from '../ports/store.js';
import { dockerRefOf, parseNormalizedNamed, referenceString, repositoryName, type ImageReference } from '../reference/index.js';
import { verifySignatures } from '../trust/index.js';
import { describeBound } from './bounds.js';
import { choosePin, containerChecks, failureVerdict, interruptedVerdict, judgeContract, platformMismatch, type ContractJudgement } from './decisions.js';
import { evaluationAt, type FullEvaluation, type PipelineProgress } from './evaluation.js';
import type { PullCoordinator } from './pull-coordinator.js';
import { prepareAhead, smokeSpecFor, type Ahead } from './smoke-ahead.js';
import { sweepExpiredContainers } from './sweep.js';

/** Where verdicts are remembered per (image ID, contract hash): the store, or nothing for a probe. */
export type SmokeCache = Pick<StorePort, 'cachedSmoke' | 'saveSmoke' | 'exclusiveSmoke' | 'smokeLock'>;

/** What evaluating a reference needs: the engine, the store's smoke cache, credentials, a clock. */
export interface EvaluationDeps {
  readonly docker: DockerPort;
  readonly pulls: PullCoordinator;
  readonly store: SmokeCache;
  readonly now: () => Date;
  readonly listener: LifecycleListener;
  /** undefined: every pull is anonymous. */
  readonly credentials?: RegistryCredentials;
  /** Where images' signatures are found; opened only for a subject under a signature policy. */
  readonly signatures?: () => Promise<SignatureSource>;
}

/** One evaluation: whose image it is, whether a local image ID may be pinned, and the run it belongs to. */
export interface EvaluationRequest {
  readonly subject: Subject;
  readonly allowLocal: boolean;
  readonly reference: string;
  readonly runId: string;
  /** The contract the image is held to, with its hash (the smoke cache's key). */
  readonly contract: EffectiveContract;
  /** Whose signatures it needs (checked before any container runs); absent: none. */
  readonly policy?: EffectivePolicy;
  readonly timeoutMs: number;
  /** Aborted with the signal's name ('SIGINT' / 'SIGTERM') as its reason: the run is interrupted. */
  readonly interrupt: AbortSignal | undefined;
  /** The interrupt or the whole validation's bound: every engine call of the run ends when it fires. */
  readonly signal: AbortSignal;
  /** Ignore remembered smoke-test verdicts and run the container again. */
  readonly fresh: boolean;
  /** The smoke container's project label, when the evaluation is for no project (a probe). */
  readonly labelName?: string;
}

/**
 * pull → pin → smoke-test the pinned image (or reuse the remembered verdict for that image and
 * contract). Never throws: whatever stops the pipeline becomes a `failed` verdict at the point
 * it had reached.
 */
export async function evaluateReference(deps: EvaluationDeps, request: EvaluationRequest): Promise<FullEvaluation> {
  const progress: PipelineProgress = { pin: undefined, pullFailure: undefined, ranContainer: false };
  try {
    const evaluation = await runPipeline(deps, request, progress);
    // A run that was interrupted or ran out of time proves nothing, whatever its last step said.
    const stop = stopped(request);
    return stop === undefined ? evaluation : evaluationAt(progress, stop);
  } catch (error) {
    return evaluationAt(progress, stopped(request) ?? verdictForError(error, request.reference, deps.docker.endpoint));
  }
}

/** The verdict of a run that was stopped from outside: by a signal, or by its own bound. */
function stopped(request: EvaluationRequest): ValidationVerdict | undefined {
  if (request.interrupt?.aborted === true) return interruptedVerdict(request.interrupt);
  if (request.signal.aborted) return failed('timeout', `validation did not finish within ${describeBound(request.timeoutMs)}`);
  return undefined;
}

async function runPipeline(deps: EvaluationDeps, request: EvaluationRequest, progress: PipelineProgress): Promise<FullEvaluation> {
  const { subject, reference, signal } = request;
  // Parsed once: the stored reference passed the grammar when it was set, but a store is data.
  const parsed = parseNormalizedNamed(reference);
  const pullable = parsed.ok ? dockerRefOf(parsed.value) : parsed;
  const done = (verdict: ValidationVerdict, extra: Partial<FullEvaluation> = {}) => evaluationAt(progress, verdict, extra);
  if (!parsed.ok || !pullable.ok) {
    return done(failed('invalid-reference', `invalid reference: ${parsed.ok ? 'unparseable' : parsed.error}`));
  }
  const pullRef = referenceString(pullable.value);
  const call = { signal };

  let auth: RegistryAuth | undefined;
  try {
    auth = await deps.credentials?.forRegistry(parsed.value.domain);
  } catch (error) {
    if (!(error instanceof CascadeError)) throw error;
    return done(failed('credentials', `cannot get registry credentials for ${parsed.value.domain}: ${error.message}`));
  }

  // Asked while the pull runs (the answer is needed only after it): a round trip the run never waits for.
  const engine = settled(deps.docker.version(call));
  deps.listener({ type: 'pulling', subject, reference: pullRef });
  const pulling = deps.pulls.pull(pullRef, {
    ...(auth === undefined ? {} : { auth }),
    onProgress: (event) => deps.listener({ type: 'pull-progress', subject, progress: event }),
    signal,
  });
  const ahead = prepareAhead(deps, request, parsed.value, pullRef);
  try {
    return await afterPull(deps, request, parsed.value, pullRef, { pulling, engine, ahead }, progress);
  } finally {
    // A container made ahead that the run did not use (another image came, a verdict was
    // remembered meanwhile, the run stopped early) is removed unstarted, and asked for before the
    // evaluation ends, so the CLI's close (DockerPort.settle) waits for it.
    (await ahead)?.test.discard();
  }
}

/** What runs while the image is pulled. */
interface InFlight {
  readonly pulling: Promise<PullResult>;
  readonly engine: Promise<Settled<EngineVersion>>;
  readonly ahead: Promise<Ahead | undefined>;
}

/** From the pull's end: pin, trust, the remembered verdict or the smoke-test. */
async function afterPull(
  deps: EvaluationDeps,
  request: EvaluationRequest,
  reference: ImageReference,
  pullRef: string,
  started: InFlight,
  progress: PipelineProgress,
): Promise<FullEvaluation> {
  const { subject, signal } = request;
  const { pulling, engine, ahead } = started;
  const done = (verdict: ValidationVerdict, extra: Partial<FullEvaluation> = {}) => evaluationAt(progress, verdict, extra);
  let pulledDigest: string | null = null;
  try {
    pulledDigest = (await pulling).digest;
  } catch (error) {
    if (!(error instanceof DockerFailure) || error.kind === 'engine-unavailable' || error.kind === 'aborted') throw error;
    progress.pullFailure = error;
  }

  const image = await inspectAfterPull(deps.docker, pullRef, progress.pullFailure, signal);
  if (image === undefined) {
    if (progress.pullFailure !== undefined) throw progress.pullFailure;
    return done(failed('engine-error', `the engine has no image ${pullRef} after pulling it`));
  }
  const pin = choosePin(reference, image, {
    pulledDigest,
    allowLocal: request.allowLocal,
    ...(progress.pullFailure === undefined ? {} : { pullFailure: progress.pullFailure.detail }),
  });
  if (!pin.ok) return done(failed('no-digest', pin.reason));
  progress.pin = pin.pin;
  deps.listener({ type: 'pinned', subject, digest: pin.pin, pinKind: pin.kind });

  // An image of another platform may even pass by accident (static binaries, emulation): never test it.
  const mismatch = platformMismatch(image, unwrap(await engine));
  if (mismatch !== undefined) return done(failed('platform', mismatch));

  // Before any container runs: under enforce, an image nobody trusted signed is never started.
  const trust = await checkTrust(deps, request, reference, pin);
  if (trust.refusal !== undefined) return done(trust.refusal);
  const withTrust = (verdict: ValidationVerdict): ValidationVerdict =>
    trust.warning === undefined || verdict.status !== 'verified' ? verdict : { ...verdict, warnings: [...verdict.warnings, trust.warning] };

  // The same image under the same contract gives the same verdict: never run its container twice,
  // on any host sharing the store (a second one waits for the first's verdict, then reuses it).
  // The wait ends at the interrupt or at the run's own bound, like every other step: a run queued
  // behind other hosts' tests must never outlive its lease (another host would take it over).
  const cached = await rememberedVerdict(deps, request, image, pin);
  if (cached !== undefined) return done(withTrust(cached.verdict), cached.extra);
  return deps.store.exclusiveSmoke(image.id, request.contract.hash, signal, async () => {
    const meanwhile = await rememberedVerdict(deps, request, image, pin);
    if (meanwhile !== undefined) return done(withTrust(meanwhile.verdict), meanwhile.extra);
    const tested = await smokeTest(deps, request, image, pin, progress, ahead);
    return done(withTrust(tested.verdict), tested.report === undefined ? {} : { report: tested.report });
  });
}

/** The verdict remembered for the image under the request's contract, unless the request wants a fresh one. */
async function rememberedVerdict(
  deps: EvaluationDeps,
  request: EvaluationRequest,
  image: ImageFacts,
  pin: { readonly pin: string; readonly kind: PinKind },
): Promise<{ verdict: ValidationVerdict; extra: Partial<FullEvaluation> } | undefined> {
  const remembered = request.fresh ? undefined : await deps.store.cachedSmoke(image.id, request.contract.hash);
  if (remembered === undefined) return undefined;
  const verdict: ValidationVerdict =
    remembered.status === 'verified'
      ? { status: 'verified', digest: pin.pin, pinKind: pin.kind, warnings: remembered.warnings }
      : failed(remembered.cause ?? 'checks-failed', remembered.reason ?? 'failed an earlier smoke-test');
  return { verdict, extra: { cached: true, ...(Array.isArray(remembered.results) ? { rememberedChecks: remembered.results as CheckResult[] } : {}) } };
}

/** Judges the pinned image against the contract (in a container unless it has only config checks), and remembers what is the image's own. */
async function smokeTest(
  deps: EvaluationDeps,
  request: EvaluationRequest,
  image: ImageFacts,
  pin: { readonly pin: string; readonly kind: PinKind },
  progress: PipelineProgress,
  ahead: Promise<Ahead | undefined>,
): Promise<{ verdict: ValidationVerdict; report: ContractJudgement['report'] | undefined }> {
  const { subject, signal } = request;
  const { contract, hash } = request.contract;
  const checks = containerChecks(contract);
  let judged: ContractJudgement;
  if (checks.length === 0) {
    // Config checks only: decided from the inspect document, no container at all.
    judged = judgeContract({ contract, config: image.config, run: undefined, pin, timeoutMs: request.timeoutMs });
  } else {
    // Leftovers of crashed runs are swept beside the smoke-test, not before it: the sweep only ever
    // removes expired containers (never this run's), and it is awaited before the run reports.
    const sweep = sweepExpiredContainers(deps.docker, deps.now(), signal);
    deps.listener({ type: 'testing', subject, image: pin.pin });
    progress.ranContainer = true;
    try {
      const prepared = await ahead;
      // The container made ahead is this test's when it holds the same image under the same pin.
      const running =
        prepared !== undefined && prepared.imageId === image.id && prepared.pin === pin.pin
          ? prepared.test.run()
          : deps.docker.runSmokeTest(smokeSpecFor(deps, request, pin.pin, checks));
      const run = await running.finally(() => sweep);
      judged = judgeContract({ contract, config: image.config, run, pin, timeoutMs: request.timeoutMs });
    } catch (error) {
      if (error instanceof DockerFailure && error.kind === 'no-bash') {
        const verdict = failureVerdict(error, { reference: request.reference, endpoint: deps.docker.endpoint });
        await remember(deps.store, image.id, hash, verdict, []);
        return { verdict, report: undefined };
      }
      throw error;
    }
  }
  const { verdict, report } = judged;
  // Only verdicts that are properties of the image are remembered; a timeout may be the machine's fault.
  if (verdict.status === 'verified' || (verdict.status === 'failed' && verdict.cause === 'checks-failed' && report.complete)) {
    await remember(deps.store, image.id, hash, verdict, report.results);
  }
  return { verdict, report };
}

/**
 * The signature policy's answer for the pinned digest: a refusal (enforce), a warning (warn), or
 * nothing. A registry that cannot be asked is never a silent pass: under enforce it fails the
 * run (as the environment's fault, so a kept pin stays), under warn it is a warning.
 */
async function checkTrust(
  deps: EvaluationDeps,
  request: EvaluationRequest,
  reference: ImageReference,
  pin: { readonly pin: string; readonly kind: PinKind },
): Promise<{ readonly refusal?: ValidationVerdict; readonly warning?: string }> {
  const policy = request.policy?.signatures ?? null;
  if (policy === null) return {};
  const verdict = await signatureVerdict(deps, reference, pin, policy, request.signal);
  if (verdict.status === 'trusted') return {};
  if (policy.mode === 'warn') return { warning: `signature: ${verdict.reason}` };
  return { refusal: failed(verdict.unavailable ? 'signatures-unavailable' : 'untrusted', verdict.reason) };
}

async function signatureVerdict(
  deps: EvaluationDeps,
  reference: ImageReference,
  pin: { readonly pin: string; readonly kind: PinKind },
  policy: SignaturePolicy,
  signal: AbortSignal,
): Promise<SignatureVerdict> {
  if (pin.kind === 'local') {
    return { status: 'untrusted', reason: 'not signed by a trusted key (a local image ID has no registry to hold a signature)', unavailable: false };
  }
  if (deps.signatures === undefined) return { status: 'untrusted', reason: 'signatures could not be fetched: no registry client is set up', unavailable: true };
  const digest = pin.pin.slice(pin.pin.lastIndexOf('@') + 1);
  try {
    const lookup = await (await deps.signatures()).find({ domain: reference.domain, repository: reference.path, digest }, { signal });
    return verifySignatures(lookup, policy, { digest, repository: repositoryName(reference) });
  } catch (error) {
    if (!(error instanceof RegistryUnavailableError)) throw error;
    return { status: 'untrusted', reason: `signatures could not be fetched: ${error.message}`, unavailable: true };
  }
}

type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** A promise that never rejects, so one started early cannot become an unhandled rejection. */
function settled<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

function unwrap<T>(result: Settled<T>): T {
  if (!result.ok) throw result.error;
  return result.value;
}

async function remember(store: SmokeCache, imageId: string, hash: string, verdict: ValidationVerdict, results: unknown): Promise<void> {
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
async function inspectAfterPull(
  docker: DockerPort,
  pullRef: string,
  pullFailure: DockerFailure | undefined,
  signal: AbortSignal,
): Promise<ImageFacts | undefined> {
  const image = await docker.inspectImage(pullRef, { signal });
  if (pullFailure === undefined || image === undefined) return image;
  if (image.repoDigests.length > 0) throw pullFailure;
  return image;
}

function verdictForError(error: unknown, reference: string, endpoint: string): ValidationVerdict {
  if (error instanceof DockerFailure) return failureVerdict(error, { reference, endpoint });
  const message = error instanceof Error ? error.message : String(error);
  return failed('engine-error', `validation failed unexpectedly: ${message}`);
}
