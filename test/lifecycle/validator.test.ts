import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WORKER_CONTRACT, WORKER_CONTRACT_HASH } from '../../src/checks/index.js';
import { assignContract, STRICTER } from '../support/contracts.js';
import { changeImage } from '../../src/lifecycle/change.js';
import type { LifecycleEvent } from '../../src/domain/index.js';
import { projectSubject, type ImageSlot } from '../../src/domain/index.js';
import { LABELS } from '../../src/lifecycle/labels.js';
import { validateSlot, type ValidatorDeps } from '../../src/lifecycle/validator.js';
import { validatorDeps } from '../support/validator-deps.js';
import { DockerFailure } from '../../src/errors.js';
import type { StorePort } from '../../src/ports/store.js';
import { FakeDocker, GOOD_TOOLS, toolsWithout } from '../support/fake-docker.js';
import { ADMIN, memoryStore } from '../support/store.js';

const REGISTRY = 'registry.test:5000';
const REF = `${REGISTRY}/acme/worker:1.4`;
const DIGEST = `sha256:${'a'.repeat(64)}`;
const OTHER_DIGEST = `sha256:${'b'.repeat(64)}`;

let store: StorePort;
let docker: FakeDocker;
let events: LifecycleEvent[];

beforeEach(async () => {
  store = await memoryStore();
  docker = new FakeDocker();
  events = [];
});
afterEach(async () => store.close());

function deps(): ValidatorDeps {
  return validatorDeps({ docker, store, listener: (event) => events.push(event) });
}

async function setRef(project: string, reference: string, allowLocal = false): Promise<ImageSlot> {
  const { after } = await changeImage(store, { subject: projectSubject(project), reference, actor: ADMIN, create: true, allowLocal, via: 'test' });
  return after;
}

async function validate(slot: ImageSlot, timeoutMs = 20_000) {
  return validateSlot(deps(), slot, { actor: ADMIN, timeoutMs });
}

describe('validateSlot', () => {
  it('pulls, pins the digest the pull announced, smoke-tests the pinned image and stores verified', async () => {
    docker.publish(REF, DIGEST, { id: 'sha256:img1', tools: GOOD_TOOLS });
    const outcome = await validate(await setRef('acme', REF));

    expect(outcome.verdict).toMatchObject({ status: 'verified', digest: `${REGISTRY}/acme/worker@${DIGEST}`, pinKind: 'registry' });
    expect(outcome.stored).toBe('stored');
    const slot = await store.getSlot(projectSubject('acme'));
    expect(slot).toMatchObject({ status: 'verified', digest: `${REGISTRY}/acme/worker@${DIGEST}`, error: null });
    // The container ran the immutable pin, never the tag, with bash replacing any ENTRYPOINT.
    const run = docker.calls.run[0];
    expect(run?.image).toBe(`${REGISTRY}/acme/worker@${DIGEST}`);
    expect(run?.entrypoint).toEqual(['bash']);
    expect(run?.cmd[0]).toBe('-c');
    expect(run?.labels[LABELS.managed]).toBe('true');
    expect(run?.labels[LABELS.project]).toBe('acme');
    expect(run?.labels[LABELS.runId]).toBe(outcome.runId);
    expect(run?.memoryBytes).toBeGreaterThan(0);
    expect(run?.pidsLimit).toBeGreaterThan(0);
  });

  it('pulls untagged references as :latest and pins the normalized docker.io repository', async () => {
    docker.publish('docker.io/library/alpine:latest', DIGEST, { id: 'sha256:alp', tools: GOOD_TOOLS });
    const outcome = await validate(await setRef('acme', 'alpine'));
    expect(docker.calls.pull).toEqual(['docker.io/library/alpine:latest']);
    expect(outcome.verdict).toMatchObject({ status: 'verified', digest: `docker.io/library/alpine@${DIGEST}` });
  });

  it.each([
    ['git', 'git --version'],
    ['cascade-tools', 'cascade-tools --version'],
  ])('fails naming the hard check when %s is missing', async (tool, label) => {
    docker.publish(REF, DIGEST, { id: 'sha256:img', tools: toolsWithout(tool) });
    const outcome = await validate(await setRef('acme', REF));
    expect(outcome.verdict.status).toBe('failed');
    const slot = await store.getSlot(projectSubject('acme'));
    expect(slot?.status).toBe('failed');
    expect(slot?.digest).toBeNull();
    expect(slot?.error).toContain(label);
  });

  it('names every failing check in the stored reason', async () => {
    docker.publish(REF, DIGEST, { id: 'sha256:img', tools: toolsWithout('git', 'node', 'python') });
    await validate(await setRef('acme', REF));
    const error = (await store.getSlot(projectSubject('acme')))?.error ?? '';
    for (const label of ['git --version', 'node --version', 'python --version']) expect(error).toContain(label);
  });

  it('fails an image whose only failure is soft under the built-in contract: every check must pass', async () => {
    docker.publish(REF, DIGEST, { id: 'sha256:img', tools: toolsWithout('python') });
    const outcome = await validate(await setRef('acme', REF));
    expect(outcome.verdict).toMatchObject({ status: 'failed', cause: 'checks-failed', reason: expect.stringMatching(/^soft checks failed: python --version/) });
  });

  it('verifies with a stored warning when only soft checks fail under softFailures: warn', async () => {
    await assignContract(store, ADMIN, { ...WORKER_CONTRACT, softFailures: 'warn' });
    docker.publish(REF, DIGEST, { id: 'sha256:img', tools: toolsWithout('python') });
    const outcome = await validate(await setRef('acme', REF));
    expect(outcome.verdict.status).toBe('verified');
    const slot = await store.getSlot(projectSubject('acme'));
    expect(slot?.warnings).toEqual([expect.stringMatching(/^soft check failed: python --version \(/)]);
    expect(slot?.inventory?.find((entry) => entry.tool === 'node')).toMatchObject({ version: 'v20.0.0', path: expect.stringMatching(/\/node$/) });
  });

  it('records the inventory of the pinned digest and diffs it when the tag drifts', async () => {
    docker.publish(REF, DIGEST, { id: 'sha256:img1', tools: GOOD_TOOLS });
    await validate(await setRef('acme', REF));
    docker.publish(REF, `sha256:${'9'.repeat(64)}`, { id: 'sha256:img2', tools: { ...GOOD_TOOLS, node: GOOD_TOOLS.node!.replace('v20.0.0', 'v22.3.0') } });
    const drifted = await validate((await store.getSlot(projectSubject('acme')))!);
    expect(drifted.outcome).toBe('drifted');
    // (The fake engine runs each container from a new temp folder, so every tool's path changes too.)
    expect(drifted.inventoryChanges?.find((change) => change.tool === 'node')).toMatchObject({ change: 'changed', from: { version: 'v20.0.0' }, to: { version: 'v22.3.0' } });
    const [audit] = await store.audit({ project: 'acme', limit: 1 });
    expect(audit?.detail?.inventoryChanges).toContainEqual(expect.objectContaining({ tool: 'node', change: 'changed' }));
  });

  it('holds the image to its project\'s own contract over the default scope\'s', async () => {
    await assignContract(store, ADMIN, STRICTER);
    await setRef('acme', REF);
    await assignContract(store, ADMIN, WORKER_CONTRACT, projectSubject('acme'));
    docker.publish(REF, DIGEST, { id: 'sha256:img', tools: GOOD_TOOLS });
    expect((await validate((await store.getSlot(projectSubject('acme')))!)).verdict.status).toBe('verified');
  });

  it('runs no container for a contract of config checks only', async () => {
    await assignContract(store, ADMIN, { name: 'config', softFailures: 'fail', checks: [{ id: 'root', label: 'not root', severity: 'hard', kind: 'config', expect: { user: { notRoot: true } } }] });
    docker.publish(REF, DIGEST, { id: 'sha256:img', tools: GOOD_TOOLS, config: { user: 'agent' } });
    const outcome = await validate(await setRef('acme', REF));
    expect(outcome.verdict.status).toBe('verified');
    expect(docker.calls.run).toHaveLength(0);
  });

  it('records a timeout as failed with the duration', async () => {
    // A busy loop hangs without needing any tool on the stub PATH.
    docker.publish(REF, DIGEST, { id: 'sha256:img', tools: { ...GOOD_TOOLS, 'cascade-tools': 'while :; do :; done' } });
    const outcome = await validate(await setRef('acme', REF), 400);
    expect(outcome.verdict).toMatchObject({ status: 'failed', cause: 'timeout' });
    expect((await store.getSlot(projectSubject('acme')))?.error).toMatch(/timed out after 400ms/);
  });

  it.each([
    [new DockerFailure('not-found', 'manifest unknown'), 'pull-not-found', /not found in its registry/],
    [new DockerFailure('denied', 'pull access denied'), 'pull-denied', /pull denied/],
    [new DockerFailure('registry-unreachable', 'dial tcp: connection refused'), 'registry-unreachable', /registry unreachable/],
    [new DockerFailure('platform', 'no matching manifest for linux/amd64'), 'platform', /platform/],
  ])('stores a precise reason when the pull fails (%s)', async (failure, cause, reason) => {
    docker.failPull(REF, failure);
    const outcome = await validate(await setRef('acme', REF));
    expect(outcome.verdict).toMatchObject({ status: 'failed', cause });
    expect((await store.getSlot(projectSubject('acme')))?.error).toMatch(reason);
    expect(docker.calls.run).toHaveLength(0);
  });

  it('stores failed (never leaves pending) when the engine is unreachable', async () => {
    docker.engineDown = true;
    const outcome = await validate(await setRef('acme', REF));
    expect(outcome.verdict).toMatchObject({ status: 'failed', cause: 'engine-unavailable' });
    expect((await store.getSlot(projectSubject('acme')))?.status).toBe('failed');
  });

  it('fails an image without bash with that reason', async () => {
    docker.publish(REF, DIGEST, { id: 'sha256:img', tools: GOOD_TOOLS, hasBash: false });
    const outcome = await validate(await setRef('acme', REF));
    expect(outcome.verdict).toMatchObject({ status: 'failed', cause: 'no-bash' });
  });

  it('fails a local-only image precisely, and pins its image ID with allowLocal', async () => {
    const image = { id: 'sha256:local', tools: GOOD_TOOLS };
    docker.addLocal('docker.io/team/local:latest', image);
    docker.failPull('docker.io/team/local:latest', new DockerFailure('denied', 'pull access denied for team/local'));

    const refused = await validate(await setRef('acme', 'team/local'));
    expect(refused.verdict).toMatchObject({ status: 'failed', cause: 'no-digest' });
    expect((await store.getSlot(projectSubject('acme')))?.error).toMatch(/exists only locally.*--allow-local/);

    const allowed = await validate(await setRef('acme', 'team/local', true));
    expect(allowed.verdict).toMatchObject({ status: 'verified', digest: 'sha256:local', pinKind: 'local' });
    expect(docker.calls.run.at(-1)?.image).toBe('sha256:local');
  });

  it('drops a stale result when the project changed during the run, and stores the newer one', async () => {
    docker.publish(REF, DIGEST, { id: 'sha256:img1', tools: GOOD_TOOLS });
    const newer = `${REGISTRY}/acme/worker:1.5`;
    docker.publish(newer, OTHER_DIGEST, { id: 'sha256:img2', tools: toolsWithout('git') });
    const first = await setRef('acme', REF);
    let release!: () => void;
    docker.pullGate = new Promise((resolve) => (release = resolve));
    const running = validate(first);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await setRef('acme', newer);
    release();
    const firstOutcome = await running;
    docker.pullGate = undefined;
    expect(firstOutcome.stored).toBe('stale');
    expect(await store.getSlot(projectSubject('acme'))).toMatchObject({ reference: newer, status: 'pending', digest: null });

    const secondOutcome = await validate(second);
    expect(secondOutcome.stored).toBe('stored');
    expect(await store.getSlot(projectSubject('acme'))).toMatchObject({ reference: newer, status: 'failed' });
    const audit = await store.audit({ project: 'acme' });
    expect(audit.map((entry) => entry.event)).toContain('validation_stale');
  });

  it('deduplicates concurrent pulls of one reference in a process', async () => {
    docker.publish(REF, DIGEST, { id: 'sha256:img', tools: GOOD_TOOLS });
    const a = await setRef('a', REF);
    const b = await setRef('b', REF);
    let release!: () => void;
    docker.pullGate = new Promise((resolve) => (release = resolve));
    const shared = deps();
    const both = Promise.all([
      validateSlot(shared, a, { actor: ADMIN, timeoutMs: 20_000 }),
      validateSlot(shared, b, { actor: ADMIN, timeoutMs: 20_000 }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    const outcomes = await both;
    expect(docker.calls.pull).toEqual([REF]);
    expect(outcomes.map((outcome) => outcome.verdict.status)).toEqual(['verified', 'verified']);
  });

  it('records an interrupted run as failed: interrupted (SIGINT)', async () => {
    docker.publish(REF, DIGEST, { id: 'sha256:img', tools: { ...GOOD_TOOLS, 'cascade-tools': 'while :; do :; done' } });
    const controller = new AbortController();
    const slot = await setRef('acme', REF);
    const running = validateSlot(deps(), slot, { actor: ADMIN, timeoutMs: 20_000, signal: controller.signal });
    setTimeout(() => controller.abort('SIGINT'), 200);
    const outcome = await running;
    expect(outcome.verdict).toMatchObject({ status: 'failed', cause: 'interrupted', reason: 'interrupted (SIGINT)' });
    expect((await store.getSlot(projectSubject('acme')))?.error).toBe('interrupted (SIGINT)');
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('records %s during a pull the registry holds up as failed: interrupted, never as an engine error', async (signal) => {
    docker.publish(REF, DIGEST, { id: 'sha256:img', tools: GOOD_TOOLS });
    docker.pullGate = new Promise(() => undefined); // the registry never answers
    const controller = new AbortController();
    const running = validateSlot(deps(), await setRef('acme', REF), { actor: ADMIN, timeoutMs: 20_000, signal: controller.signal });
    setTimeout(() => controller.abort(signal), 50);
    const outcome = await running;
    expect(outcome.verdict).toEqual({ status: 'failed', cause: 'interrupted', reason: `interrupted (${signal})` });
    expect(await store.getSlot(projectSubject('acme'))).toMatchObject({ status: 'failed', error: `interrupted (${signal})` });
    expect(docker.calls.run).toHaveLength(0);
  });

  it('an interrupt during a smoke-test that then fails still records the run as interrupted', async () => {
    docker.publish(REF, DIGEST, { id: 'sha256:img', tools: toolsWithout('git') });
    const controller = new AbortController();
    const slot = await setRef('acme', REF);
    const racing = deps();
    const listener = racing.listener;
    // Abort right when the verdict is about to be stored: the run as a whole was interrupted.
    const outcome = await validateSlot({ ...racing, listener: (event) => { if (event.type === 'testing') setTimeout(() => controller.abort('SIGINT'), 0); listener(event); } }, slot, {
      actor: ADMIN,
      timeoutMs: 20_000,
      signal: controller.signal,
    });
    expect(outcome.verdict).toMatchObject({ status: 'failed', cause: 'interrupted' });
  });

  it('fails an image of another platform before any container runs: it could pass only by accident', async () => {
    docker.publish(REF, DIGEST, { id: 'sha256:arm', tools: GOOD_TOOLS, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
    const outcome = await validate(await setRef('acme', REF));
    expect(outcome.verdict).toEqual({ status: 'failed', cause: 'platform', reason: 'image is linux/arm64/v8; this engine runs linux/amd64' });
    expect(docker.calls.run).toHaveLength(0);
    expect(await store.cachedSmoke('sha256:arm', WORKER_CONTRACT_HASH)).toBeUndefined();
  });

  it('emits the lifecycle events in order', async () => {
    docker.publish(REF, DIGEST, { id: 'sha256:img', tools: GOOD_TOOLS });
    await validate(await setRef('acme', REF));
    expect(events.map((event) => event.type).filter((type) => type !== 'pull-progress')).toEqual(['pulling', 'pinned', 'testing', 'finished']);
  });
});

describe('re-validation', () => {
  it('reuses the remembered verdict for an image already tested under the same contract: no container', async () => {
    docker.publish(REF, DIGEST, { id: 'sha256:img', tools: GOOD_TOOLS });
    await validate(await setRef('a', REF));
    expect(docker.calls.run).toHaveLength(1);
    const b = await setRef('b', REF);
    const outcome = await validateSlot({ ...deps(), evaluations: new Map() }, b, { actor: ADMIN, timeoutMs: 20_000 });
    expect(outcome).toMatchObject({ cached: true, ranContainer: false, verdict: { status: 'verified', digest: `${REGISTRY}/acme/worker@${DIGEST}` } });
    expect(docker.calls.run).toHaveLength(1);
  });

  it('runs the container again with fresh', async () => {
    docker.publish(REF, DIGEST, { id: 'sha256:img', tools: GOOD_TOOLS });
    await validate(await setRef('a', REF));
    const again = await store.getSlot(projectSubject('a'));
    await validateSlot({ ...deps(), evaluations: new Map() }, again!, { actor: ADMIN, timeoutMs: 20_000, fresh: true });
    expect(docker.calls.run).toHaveLength(2);
  });

  it('evaluates each distinct reference once for many projects', async () => {
    docker.publish(REF, DIGEST, { id: 'sha256:img', tools: GOOD_TOOLS });
    const shared = deps();
    for (const project of ['a', 'b', 'c', 'd']) {
      await validateSlot(shared, await setRef(project, REF), { actor: ADMIN, timeoutMs: 20_000 });
    }
    expect(docker.calls.pull).toEqual([REF]);
    expect(docker.calls.run).toHaveLength(1);
  });

  it('re-pins a drifted tag that passes, and keeps the old pin when the new image fails', async () => {
    docker.publish(REF, DIGEST, { id: 'sha256:img1', tools: GOOD_TOOLS });
    await validate(await setRef('acme', REF));
    docker.publish(REF, OTHER_DIGEST, { id: 'sha256:img2', tools: toolsWithout('git') });
    const drift = await validate((await store.getSlot(projectSubject('acme')))!);
    expect(drift).toMatchObject({ outcome: 'drift-failed', verdict: { status: 'verified', digest: `${REGISTRY}/acme/worker@${DIGEST}` } });
    expect(await store.getSlot(projectSubject('acme'))).toMatchObject({ status: 'verified', digest: `${REGISTRY}/acme/worker@${DIGEST}` });
    const third = `sha256:${'e'.repeat(64)}`;
    docker.publish(REF, third, { id: 'sha256:img3', tools: GOOD_TOOLS });
    const repinned = await validate((await store.getSlot(projectSubject('acme')))!);
    expect(repinned).toMatchObject({ outcome: 'drifted', verdict: { status: 'verified', digest: `${REGISTRY}/acme/worker@${third}` } });
  });

  it('reports a vanished reference and keeps the pin while the image is present locally', async () => {
    docker.publish(REF, DIGEST, { id: 'sha256:img1', tools: GOOD_TOOLS });
    await validate(await setRef('acme', REF));
    docker.failPull(REF, new DockerFailure('not-found', 'manifest unknown'));
    const vanished = await validate((await store.getSlot(projectSubject('acme')))!);
    expect(vanished.outcome).toBe('vanished');
    expect(await store.getSlot(projectSubject('acme'))).toMatchObject({ status: 'verified', digest: `${REGISTRY}/acme/worker@${DIGEST}` });
  });

  it('re-tests when the contract changed, failing the pinned image if it no longer passes', async () => {
    docker.publish(REF, DIGEST, { id: 'sha256:img1', tools: GOOD_TOOLS });
    await validate(await setRef('acme', REF));
    await assignContract(store, ADMIN, STRICTER);
    const changed = await validateSlot(deps(), (await store.getSlot(projectSubject('acme')))!, { actor: ADMIN, timeoutMs: 20_000 });
    expect(changed).toMatchObject({ outcome: 'contract-changed', verdict: { status: 'failed' } });
    expect(docker.calls.run).toHaveLength(2);
    expect((await store.getSlot(projectSubject('acme')))?.error).toContain('jq --version');
  });
});
