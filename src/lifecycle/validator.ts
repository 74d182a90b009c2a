import { buildSmokeScript, contractHash, type CheckContract, type SmokeReport } from '../checks/index.js';
import { DockerFailure, type DockerPort, type ImageFacts } from '../ports/docker.js';
import type { StorePort } from '../ports/store.js';
import { parseDockerRef, parseNormalizedNamed, referenceString } from '../reference/index.js';
import { choosePin, failed, failureVerdict, judgeSmokeRun } from './decisions.js';
import type { LifecycleListener } from './events.js';
import { subjectLabel, type ImageSlot, type ValidationVerdict } from './model.js';
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
}

export interface ValidationOptions {
  readonly actor: string;
  readonly timeoutMs: number;
  /** Aborted with the signal's name ('SIGINT' / 'SIGTERM') as its reason. */
  readonly signal?: AbortSignal;
}

export interface ValidationOutcome {
  readonly verdict: ValidationVerdict;
  readonly stored: 'stored' | 'stale';
  readonly runId: string;
  readonly durationMs: number;
  readonly report: SmokeReport | undefined;
}

/**
 * Validates the slot's current reference: pull → pin → smoke-test the pinned image → store the
 * verdict, guarded by the generation the run started with. Fail-closed: every path that does not
 * reach `verified` stores `failed` with a reason; only a store failure can escape.
 */
export async function validateSlot(deps: ValidatorDeps, slot: ImageSlot, options: ValidationOptions): Promise<ValidationOutcome> {
  const reference = slot.reference;
  if (reference === null) throw new Error(`validateSlot called on ${subjectLabel(slot.subject)} with no reference`);
  const runId = deps.newRunId();
  const started = deps.now().getTime();
  await deps.store.beginRun({
    runId,
    subject: slot.subject,
    generation: slot.generation,
    reference,
    owner: deps.owner,
    // The lease outlives the smoke-test timeout by a margin for the pull and the store writes.
    leaseMs: options.timeoutMs + 10 * 60_000,
  });

  let report: SmokeReport | undefined;
  let verdict: ValidationVerdict;
  try {
    const result = await runPipeline(deps, slot, reference, runId, options);
    verdict = result.verdict;
    report = result.report;
  } catch (error) {
    verdict = verdictForError(error, reference, deps.docker.endpoint, options.signal);
  }
  if (options.signal?.aborted === true && verdict.status === 'verified') {
    // An interrupted run proves nothing about the image, even if the last step happened to finish.
    verdict = failed('interrupted', `interrupted (${String(options.signal.reason)})`);
  }
  const durationMs = deps.now().getTime() - started;
  const stored = await deps.store.finishRun({
    runId,
    subject: slot.subject,
    generation: slot.generation,
    reference,
    actor: options.actor,
    verdict,
    durationMs,
    checks: report === undefined ? undefined : { contract: contractHash(deps.contract), results: report.results },
  });
  deps.listener({ type: 'finished', subject: slot.subject, reference, generation: slot.generation, verdict, stored, durationMs });
  return { verdict, stored, runId, durationMs, report };
}

async function runPipeline(
  deps: ValidatorDeps,
  slot: ImageSlot,
  reference: string,
  runId: string,
  options: ValidationOptions,
): Promise<{ verdict: ValidationVerdict; report?: SmokeReport }> {
  const parsed = parseNormalizedNamed(reference);
  const pullable = parseDockerRef(reference);
  if (!parsed.ok || !pullable.ok) {
    return { verdict: failed('invalid-reference', `invalid reference: ${parsed.ok ? 'unparseable' : parsed.error}`) };
  }
  const pullRef = referenceString(pullable.value);
  const subject = slot.subject;

  deps.listener({ type: 'pulling', subject, reference: pullRef });
  let pulledDigest: string | null = null;
  let pullFailure: DockerFailure | undefined;
  try {
    const pulled = await deps.pulls.pull(pullRef, {
      onProgress: (progress) => deps.listener({ type: 'pull-progress', subject, progress }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    pulledDigest = pulled.digest;
  } catch (error) {
    if (!(error instanceof DockerFailure) || error.kind === 'engine-unavailable' || error.kind === 'aborted') throw error;
    pullFailure = error;
  }

  const image = await inspectAfterPull(deps.docker, pullRef, pullFailure);
  if (image === undefined) {
    if (pullFailure !== undefined) throw pullFailure;
    return { verdict: failed('engine-error', `the engine has no image ${pullRef} after pulling it`) };
  }
  const pin = choosePin(parsed.value, image, {
    pulledDigest,
    allowLocal: slot.allowLocal,
    ...(pullFailure === undefined ? {} : { pullFailure: pullFailure.message }),
  });
  if (!pin.ok) return { verdict: failed('no-digest', pin.reason) };
  deps.listener({ type: 'pinned', subject, digest: pin.pin, pinKind: pin.kind });

  await sweepExpiredContainers(deps);
  deps.listener({ type: 'testing', subject, image: pin.pin });
  const createdAt = deps.now();
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
  const judged = judgeSmokeRun(deps.contract, run, pin, options.timeoutMs);
  return { verdict: judged.verdict, report: judged.report };
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

