// The smoke-test container made while the image is pulled: see prepareAhead.
import type { ContainerCheck } from '../domain/index.js';
import type { PreparedSmokeTest, SmokeRunSpec } from '../ports/docker.js';
import type { ImageReference } from '../reference/index.js';
import { smokeRunSpec } from './container-policy.js';
import { choosePin, containerChecks } from './decisions.js';
import type { EvaluationDeps, EvaluationRequest } from './evaluate.js';

/** A smoke-test container created while the image was pulled, for the image the engine already had. */
export interface Ahead {
  readonly imageId: string;
  readonly pin: string;
  readonly test: PreparedSmokeTest;
}

/**
 * While the pull runs, creates the smoke-test container for the image the engine already holds
 * under the reference, as the run would after the pull: on a present, unchanged image (the common
 * case: a re-validation, a `set` of a known image) the container exists when the pin is known and
 * only needs starting, ~15-20 ms of the engine's create off the run's path. Nothing is started
 * before the pull, the pin and every check ahead of the smoke-test have passed: the run uses the
 * container only for the same image ID and pin, and discards it otherwise. Made only where it can
 * be used: a contract with container checks, no remembered verdict for the image, no signature
 * policy (no container of an image waiting for its signatures is even created), and a store whose
 * smoke lock is this process's own: where hosts share one (PostgreSQL), a smoke container exists
 * only under it, one per image and contract across them all. Any failure here only costs the head
 * start; the run then creates its own and reports what goes wrong.
 */
export async function prepareAhead(deps: EvaluationDeps, request: EvaluationRequest, reference: ImageReference, pullRef: string): Promise<Ahead | undefined> {
  const checks = containerChecks(request.contract.contract);
  if (checks.length === 0 || (request.policy?.signatures ?? null) !== null || deps.store.smokeLock === 'shared') return undefined;
  try {
    const present = await deps.docker.inspectImage(pullRef, { signal: request.signal });
    if (present === undefined) return undefined;
    const pin = choosePin(reference, present, { pulledDigest: null, allowLocal: request.allowLocal });
    if (!pin.ok) return undefined;
    if (!request.fresh && (await deps.store.cachedSmoke(present.id, request.contract.hash)) !== undefined) return undefined;
    const test = await deps.docker.prepareSmokeTest(smokeSpecFor(deps, request, pin.pin, checks));
    return { imageId: present.id, pin: pin.pin, test };
  } catch {
    return undefined;
  }
}

/** The smoke-test container of this request for the pinned image. */
export function smokeSpecFor(deps: EvaluationDeps, request: EvaluationRequest, image: string, checks: readonly ContainerCheck[]): SmokeRunSpec {
  const { contract, hash } = request.contract;
  return smokeRunSpec({
    image,
    checks,
    contractName: contract.name,
    contractHash: hash,
    runId: request.runId,
    subject: request.subject,
    ...(request.labelName === undefined ? {} : { labelName: request.labelName }),
    createdAt: deps.now(),
    timeoutMs: request.timeoutMs,
    signal: request.signal,
  });
}
