// The smoke-test container made while the image is pulled (evaluate.ts, prepareAhead): used only
// for the image and pin the run ends up testing, removed unstarted otherwise, never made where it
// cannot be used.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { projectSubject, type ImageSlot } from '../../src/domain/index.js';
import { DockerFailure } from '../../src/errors.js';
import { changeImage } from '../../src/lifecycle/change.js';
import { permit } from '../../src/lifecycle/authorization.js';
import { validateSlot } from '../../src/lifecycle/validator.js';
import type { StorePort } from '../../src/ports/store.js';
import { FakeDocker, GOOD_TOOLS } from '../support/fake-docker.js';
import { newKey } from '../support/keys.js';
import { ADMIN, memoryStore } from '../support/store.js';
import { validatorDeps } from '../support/validator-deps.js';

const REGISTRY = 'registry.test:5000';
const REF = `${REGISTRY}/acme/worker:1.4`;
const DIGEST = `sha256:${'a'.repeat(64)}`;
const NEWER = `sha256:${'b'.repeat(64)}`;
const pin = (digest: string) => `${REGISTRY}/acme/worker@${digest}`;

let store: StorePort;
let docker: FakeDocker;

beforeEach(async () => {
  store = await memoryStore();
  docker = new FakeDocker();
});
afterEach(async () => store.close());

async function slot(project: string): Promise<ImageSlot> {
  const { after } = await changeImage(store, { subject: projectSubject(project), reference: REF, actor: ADMIN, create: true, allowLocal: false, via: 'test' });
  return after;
}

const validate = async (project: string, options: { fresh?: boolean } = {}) =>
  validateSlot(validatorDeps({ docker, store }), await slot(project), { actor: ADMIN, timeoutMs: 20_000, ...options });

/** The engine holds the image under REF already, as after an earlier pull. */
async function present(digest: string, id: string): Promise<void> {
  docker.publish(REF, digest, { id, tools: GOOD_TOOLS });
  await docker.pull(REF);
  docker.calls.pull.length = 0;
}

describe('the smoke-test container made while the image is pulled', () => {
  it('is created during the pull of a present image, and is the container that runs', async () => {
    await present(DIGEST, 'sha256:img1');
    let release = () => {};
    docker.pullGate = new Promise<void>((resolve) => (release = resolve));
    const outcome = validate('acme');
    await expect.poll(() => docker.calls.prepared.length).toBe(1);
    // Created, not started: the pull has not finished.
    expect(docker.calls.run).toHaveLength(0);
    expect(docker.calls.prepared[0]?.image).toBe(pin(DIGEST));
    release();
    expect((await outcome).verdict).toMatchObject({ status: 'verified', digest: pin(DIGEST) });
    expect(docker.calls.run).toEqual([docker.calls.prepared[0]]);
    expect(docker.calls.discarded).toHaveLength(0);
  });

  it('is removed unstarted when the pull brings another image, and the new image is tested', async () => {
    await present(DIGEST, 'sha256:old');
    docker.publish(REF, NEWER, { id: 'sha256:new', tools: GOOD_TOOLS });
    const outcome = await validate('acme');
    expect(outcome.verdict).toMatchObject({ status: 'verified', digest: pin(NEWER) });
    expect(docker.calls.prepared.map((spec) => spec.image)).toEqual([pin(DIGEST)]);
    expect(docker.calls.discarded).toEqual(docker.calls.prepared);
    expect(docker.calls.run.map((spec) => spec.image)).toEqual([pin(NEWER)]);
  });

  it('is removed before the evaluation ends when the run stops early (the engine went away during the pull)', async () => {
    await present(DIGEST, 'sha256:img1');
    docker.failPull(REF, new DockerFailure('engine-unavailable', 'the engine closed the connection'));
    const outcome = await validate('acme');
    expect(outcome.verdict.status).toBe('failed');
    expect(docker.calls.prepared).toHaveLength(1);
    expect(docker.calls.discarded).toEqual(docker.calls.prepared);
    expect(docker.calls.run).toHaveLength(0);
  });

  it('is not made for an image the engine does not have yet, nor for one whose verdict is remembered', async () => {
    docker.publish(REF, DIGEST, { id: 'sha256:img1', tools: GOOD_TOOLS });
    expect((await validate('first')).verdict.status).toBe('verified');
    expect((await validate('second')).verdict.status).toBe('verified');
    expect(docker.calls.run).toHaveLength(1);
    expect(docker.calls.prepared).toHaveLength(0);
    // --fresh ignores the remembered verdict, so the container runs again: made ahead, and used.
    expect((await validate('third', { fresh: true })).verdict.status).toBe('verified');
    expect(docker.calls.prepared).toHaveLength(1);
    expect(docker.calls.run.at(-1)).toBe(docker.calls.prepared[0]);
  });

  it('is not made on a store whose hosts share the smoke lock: there a smoke container exists only under the lock', async () => {
    await present(DIGEST, 'sha256:img1');
    const shared: StorePort = Object.create(store, { smokeLock: { value: 'shared' } });
    const outcome = await validateSlot(validatorDeps({ docker, store: shared }), await slot('acme'), { actor: ADMIN, timeoutMs: 20_000 });
    expect(outcome.verdict.status).toBe('verified');
    expect(docker.calls.run).toHaveLength(1);
    expect(docker.calls.prepared).toHaveLength(0);
  });

  it('is not made for an image under a signature policy: nothing of it is created before its signatures are checked', async () => {
    await present(DIGEST, 'sha256:img1');
    const acme = await slot('acme');
    await store.setPolicy(projectSubject('acme'), { signatures: { mode: 'warn', keys: [newKey().trusted] } }, ADMIN, permit('change', ADMIN));
    const outcome = await validateSlot(validatorDeps({ docker, store }), acme, { actor: ADMIN, timeoutMs: 20_000 });
    // Under warn the unsigned image still runs its smoke-test: in a container made after the check.
    expect(outcome.verdict).toMatchObject({ status: 'verified', warnings: [expect.stringContaining('signature')] });
    expect(docker.calls.run).toHaveLength(1);
    expect(docker.calls.prepared).toHaveLength(0);
  });
});
