import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assignContract, STRICTER } from '../support/contracts.js';
import { setImage } from '../../src/commands/set.js';
import { summarize, validateProjects, type ValidateInput, type ValidateItem } from '../../src/commands/validate.js';
import { DEFAULT_SUBJECT, projectSubject, subjectName, type OutcomeClass, type ValidationVerdict } from '../../src/domain/index.js';
import { DockerFailure, EngineUnavailableError, ForbiddenError, ProjectNotFoundError } from '../../src/errors.js';
import { permit } from '../../src/lifecycle/authorization.js';
import type { ValidationOutcome } from '../../src/lifecycle/validator.js';
import {
  ADMIN,
  DIGEST,
  DIGEST_2,
  HOST,
  REF,
  REGISTRY,
  STRANGER,
  VIEWER,
  gate,
  good,
  harness,
  pinOf,
  until,
  without,
  type Harness,
} from './support.js';
import { outcomeOf } from '../support/outcomes.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => h.store.close());

const input = (overrides: Partial<ValidateInput> = {}): ValidateInput => ({
  projects: ['acme'],
  all: false,
  includeDefault: false,
  stale: false,
  timeoutMs: 20_000,
  concurrency: 1,
  fresh: false,
  ...overrides,
});

/** acme verified at REF → DIGEST (image sha256:img1). */
async function verifiedAcme(): Promise<void> {
  h.docker.publish(REF, DIGEST, good('sha256:img1'));
  await h.seed('acme', REF);
  expect(await h.slot('acme')).toMatchObject({ status: 'verified', digest: pinOf(DIGEST) });
}

describe('validateProjects: what a re-validation found', () => {
  it('unchanged: same digest, pin kept, the remembered verdict reused, no audit row', async () => {
    await verifiedAcme();
    const auditCount = (await h.store.audit({})).length;
    const [item] = await validateProjects(input(), h.validateDeps());

    expect(item).toMatchObject({ subject: projectSubject('acme'), reference: REF, skipped: undefined });
    expect(item?.outcome).toMatchObject({ outcome: 'unchanged', stored: 'stored', cached: true, ranContainer: false });
    expect(await h.slot('acme')).toMatchObject({ status: 'verified', digest: pinOf(DIGEST) });
    expect(await h.store.audit({})).toHaveLength(auditCount);
    expect(h.docker.calls.run).toHaveLength(1);
    expect((await h.store.lastRun(projectSubject('acme')))?.runId).toBe(item?.outcome?.runId);
  });

  it('drifted: the tag moved to a new image that passes, re-pinned', async () => {
    await verifiedAcme();
    h.docker.publish(REF, DIGEST_2, good('sha256:img2'));
    const [item] = await validateProjects(input(), h.validateDeps());

    expect(item?.outcome).toMatchObject({ outcome: 'drifted', verdict: { status: 'verified', digest: pinOf(DIGEST_2) }, ranContainer: true });
    expect(await h.slot('acme')).toMatchObject({ status: 'verified', digest: pinOf(DIGEST_2) });
    expect((await h.store.audit({ project: 'acme' }))[0]).toMatchObject({ event: 'validation_verified', to: pinOf(DIGEST_2), detail: { outcome: 'drifted' } });
  });

  it('drift-failed: the new image fails, the old pin stays launchable', async () => {
    await verifiedAcme();
    h.docker.publish(REF, DIGEST_2, without('sha256:img2', 'git'));
    const [item] = await validateProjects(input(), h.validateDeps());

    expect(item?.outcome).toMatchObject({ outcome: 'drift-failed', verdict: { status: 'verified', digest: pinOf(DIGEST) }, finding: { status: 'failed' } });
    expect(await h.slot('acme')).toMatchObject({ status: 'verified', digest: pinOf(DIGEST), error: null });
    expect((await h.store.audit({ project: 'acme' }))[0]).toMatchObject({ event: 'validation_failed', to: pinOf(DIGEST), detail: { outcome: 'drift-failed', keptPin: pinOf(DIGEST) } });
  });

  it('vanished: the tag no longer pulls, the pin is kept while the image is still local', async () => {
    await verifiedAcme();
    h.docker.failPull(REF, new DockerFailure('not-found', 'manifest unknown'));
    const [item] = await validateProjects(input(), h.validateDeps());

    expect(item?.outcome).toMatchObject({ outcome: 'vanished', verdict: { status: 'verified', digest: pinOf(DIGEST) }, finding: { status: 'failed', cause: 'pull-not-found' } });
    expect(await h.slot('acme')).toMatchObject({ status: 'verified', digest: pinOf(DIGEST) });
  });

  it('contract-changed: a stricter contract re-tests the pinned image and fails it', async () => {
    await verifiedAcme();
    await assignContract(h.store, ADMIN, STRICTER);
    const [item] = await validateProjects(input(), h.validateDeps());

    expect(item?.outcome).toMatchObject({ outcome: 'contract-changed', verdict: { status: 'failed' } });
    expect(await h.slot('acme')).toMatchObject({ status: 'failed', digest: null });
    expect((await h.slot('acme'))?.error).toContain('jq --version');
  });
});

describe('validateProjects: who and which', () => {
  it('lets a viewer re-validate, audited as the viewer', async () => {
    await verifiedAcme();
    await h.grantViewer();
    h.docker.publish(REF, DIGEST_2, good('sha256:img2'));
    const [item] = await validateProjects(input(), h.validateDeps(VIEWER));

    expect(item?.outcome?.outcome).toBe('drifted');
    expect((await h.store.audit({ project: 'acme' }))[0]).toMatchObject({ actor: VIEWER, event: 'validation_verified' });
  });

  it('refuses an unknown actor before any pull or run', async () => {
    await verifiedAcme();
    const pulls = h.docker.calls.pull.length;
    const runBefore = await h.store.lastRun(projectSubject('acme'));
    const engines = h.engines.opened;

    await expect(validateProjects(input(), h.validateDeps(STRANGER))).rejects.toMatchObject({ name: 'ForbiddenError', required: 'operator' });
    await expect(validateProjects(input(), h.validateDeps(STRANGER))).rejects.toBeInstanceOf(ForbiddenError);
    expect(h.docker.calls.pull).toHaveLength(pulls);
    expect(await h.store.lastRun(projectSubject('acme'))).toEqual(runBefore);
    expect(h.engines.opened).toBe(engines);
  });

  it('refuses an unknown project name before validating any of the others', async () => {
    await verifiedAcme();
    const pulls = h.docker.calls.pull.length;
    const runBefore = await h.store.lastRun(projectSubject('acme'));

    const refusal = validateProjects(input({ projects: ['acme', 'nope'] }), h.validateDeps());
    await expect(refusal).rejects.toBeInstanceOf(ProjectNotFoundError);
    await expect(refusal).rejects.toMatchObject({ project: 'nope', next: 'list' });
    expect(h.docker.calls.pull).toHaveLength(pulls);
    expect(await h.store.lastRun(projectSubject('acme'))).toEqual(runBefore);
  });

  it('refuses before any run when the engine side cannot be set up, and skips set-up when nothing is selected', async () => {
    await verifiedAcme();
    const pulls = h.docker.calls.pull.length;
    const runBefore = await h.store.lastRun(projectSubject('acme'));
    const engine = async (): Promise<never> => {
      throw new EngineUnavailableError('cannot set up the Docker client');
    };

    await expect(validateProjects(input(), h.validateDeps(ADMIN, { engine }))).rejects.toMatchObject({ exitCode: 69 });
    expect(await h.store.lastRun(projectSubject('acme'))).toEqual(runBefore);
    expect(await h.slot('acme')).toMatchObject({ status: 'verified', digest: pinOf(DIGEST) });
    expect(h.docker.calls.pull).toHaveLength(pulls);

    // Nothing stale to take over: no engine needed, nothing to report.
    expect(await validateProjects(input({ projects: [], stale: true }), h.validateDeps(ADMIN, { engine }))).toEqual([]);
  });

  it('all + includeDefault: every project and the default, skipping projects on the default', async () => {
    await verifiedAcme();
    await h.seed('beta', null);
    await h.seed('gamma', REF, { validate: false });
    await setImage(
      { subject: DEFAULT_SUBJECT, reference: REF, create: false, validate: false, allowLocal: false, timeoutMs: 20_000, via: 'defaults set' },
      h.setDeps(ADMIN, { listener: () => undefined }),
    );

    const items = await validateProjects(input({ projects: ['acme'], all: true, includeDefault: true }), h.validateDeps());

    expect(items.map((item) => [subjectName(item.subject), item.outcome?.outcome ?? item.skipped])).toEqual([
      ['acme', 'unchanged'],
      ['beta', 'uses the global default'],
      ['gamma', 'verified'],
      ['(default)', 'verified'],
    ]);
    expect(await h.slot(DEFAULT_SUBJECT)).toMatchObject({ status: 'verified', digest: pinOf(DIGEST) });
  });

  it('stale: picks pending slots no live run works on, and leaves the ones a live run owns', async () => {
    await verifiedAcme();
    await h.seed('abandoned', REF, { validate: false });
    await h.seed('working', REF, { validate: false });
    const working = await h.slot('working');
    await h.store.beginRun(
      { runId: 'run-elsewhere', subject: projectSubject('working'), generation: working!.generation, reference: REF, owner: { pid: process.pid, host: HOST }, leaseMs: 600_000 },
      permit('revalidate', ADMIN),
    );

    const items = await validateProjects(input({ projects: [], stale: true }), h.validateDeps(ADMIN, { here: () => h.here(() => true) }));

    expect(items.map((item) => [subjectName(item.subject), item.outcome?.outcome])).toEqual([['abandoned', 'verified']]);
    expect(await h.slot('working')).toMatchObject({ status: 'pending' });
    expect((await h.store.lastRun(projectSubject('working')))?.runId).toBe('run-elsewhere');
  });

  it('stale: a run another process began after the list was read is left alone, not duplicated', async () => {
    await h.seed('late', REF, { validate: false });
    const late = await h.slot('late');
    // The list as it was read: no run yet. By the time this process gets to the slot, another host has begun one.
    const listed = await h.store.pendingSlots();
    await h.store.beginRun(
      { runId: 'run-other-host', subject: projectSubject('late'), generation: late!.generation, reference: REF, owner: { pid: 1, host: 'other-host' }, leaseMs: 600_000 },
      permit('revalidate', ADMIN),
    );
    const store = Object.assign(Object.create(h.store) as typeof h.store, { pendingSlots: async () => listed });

    const items = await validateProjects(input({ projects: [], stale: true }), { ...h.validateDeps(ADMIN, { here: () => h.here(() => true) }), store: async () => store });

    expect(items).toEqual([expect.objectContaining({ outcome: undefined, skipped: 'run run-other-host (pid 1 on other-host) is validating it' })]);
    expect((await h.store.lastRun(projectSubject('late')))?.runId).toBe('run-other-host');
  });

  it('evaluates a reference shared by several projects once, even run concurrently', async () => {
    h.docker.publish(REF, DIGEST, good('sha256:img1'));
    for (const project of ['a', 'b', 'c']) await h.seed(project, REF, { validate: false });

    const items = await validateProjects(input({ projects: ['a', 'b', 'c'], concurrency: 3 }), h.validateDeps());

    expect(items.map((item) => item.outcome?.outcome)).toEqual(['verified', 'verified', 'verified']);
    expect(h.docker.calls.pull).toEqual([REF]);
    expect(h.docker.calls.run).toHaveLength(1);
    expect(summarize(items)).toMatchObject({ projects: 3, distinctReferences: 1, containersRun: 1 });
  });
});

describe('validateProjects: concurrency and interrupts', () => {
  /** One project per outcome class, each on its own tag; returns the names in order. */
  async function mixedFleet(on: Harness): Promise<string[]> {
    const ref = (name: string) => `${REGISTRY}/team/${name}:1`;
    for (const name of ['same', 'moved', 'broke', 'gone']) {
      on.docker.publish(ref(name), DIGEST, good(`sha256:${name}-1`));
      await on.seed(name, ref(name));
    }
    on.docker.publish(ref('moved'), DIGEST_2, good('sha256:moved-2'));
    on.docker.publish(ref('broke'), DIGEST_2, without('sha256:broke-2', 'git'));
    on.docker.failPull(ref('gone'), new DockerFailure('not-found', 'manifest unknown'));
    on.docker.publish(ref('fresh'), DIGEST, good('sha256:fresh-1'));
    await on.seed('fresh', ref('fresh'), { validate: false });
    on.docker.publish(ref('bad'), DIGEST, without('sha256:bad-1', 'git'));
    await on.seed('bad', ref('bad'), { validate: false });
    await on.seed('plain', null);
    return ['same', 'moved', 'broke', 'gone', 'fresh', 'bad', 'plain'];
  }

  it('gives the same outcomes, in the same order, with concurrency 1 and 3', async () => {
    const results: Array<Array<[string, string | undefined]>> = [];
    for (const concurrency of [1, 3]) {
      const on = await harness();
      try {
        const projects = await mixedFleet(on);
        const items = await validateProjects(input({ projects, concurrency }), on.validateDeps());
        results.push(items.map((item) => [subjectName(item.subject), item.outcome?.outcome ?? item.skipped]));
      } finally {
        await on.store.close();
      }
    }
    expect(results[0]).toEqual([
      ['same', 'unchanged'],
      ['moved', 'drifted'],
      ['broke', 'drift-failed'],
      ['gone', 'vanished'],
      ['fresh', 'verified'],
      ['bad', 'failed'],
      ['plain', 'uses the global default'],
    ]);
    expect(results[1]).toEqual(results[0]);
  });

  it('starts nothing when the signal is already aborted', async () => {
    await verifiedAcme();
    const pulls = h.docker.calls.pull.length;
    const runBefore = await h.store.lastRun(projectSubject('acme'));
    h.controller.abort('SIGINT');

    expect(await validateProjects(input(), h.validateDeps())).toEqual([]);
    expect(h.docker.calls.pull).toHaveLength(pulls);
    expect(await h.store.lastRun(projectSubject('acme'))).toEqual(runBefore);
  });

  it('lets the running validation finish as failed: interrupted and starts no new one', async () => {
    h.docker.publish(REF, DIGEST, good('sha256:img1'));
    await h.seed('first', REF, { validate: false });
    await h.seed('second', REF, { validate: false });
    const held = gate();
    h.docker.pullGate = held.promise;

    const running = validateProjects(input({ projects: ['first', 'second'], concurrency: 1 }), h.validateDeps());
    await until(() => h.docker.calls.pull.length === 1);
    h.controller.abort('SIGINT');
    held.release();
    const items = await running;

    expect(items.map((item) => subjectName(item.subject))).toEqual(['first']);
    expect(items[0]?.outcome?.verdict).toMatchObject({ status: 'failed', cause: 'interrupted' });
    expect(await h.slot('first')).toMatchObject({ status: 'failed' });
    expect(await h.slot('second')).toMatchObject({ status: 'pending' });
    expect(await h.store.lastRun(projectSubject('second'))).toBeUndefined();
  });
});

describe('summarize', () => {
  const verified: ValidationVerdict = { status: 'verified', digest: pinOf(DIGEST), pinKind: 'registry', warnings: [] };
  const broken: ValidationVerdict = { status: 'failed', cause: 'checks-failed', reason: 'git --version failed' };
  const item = (project: string, reference: string | null, outcome: OutcomeClass | undefined, extra: Partial<ValidationOutcome> = {}): ValidateItem => ({
    subject: projectSubject(project),
    reference,
    skipped: outcome === undefined ? 'uses the global default' : undefined,
    outcome: outcome === undefined ? undefined : outcomeOf(outcome === 'failed' ? broken : verified, outcome, { runId: `run-${project}`, ...extra }),
  });

  it('counts outcomes, references, containers, cache hits and repeated failures', () => {
    const summary = summarize([
      item('a', 'r/one:1', 'unchanged', { cached: true }),
      item('b', 'r/two:1', 'drifted', { ranContainer: true }),
      item('c', 'r/two:1', 'failed', { repeated: true }),
      item('d', 'r/three:1', 'verified', { stored: 'stale', ranContainer: true }),
      item('e', null, undefined),
    ]);
    expect(summary).toEqual({
      projects: 5,
      distinctReferences: 3,
      containersRun: 2,
      cached: 1,
      byOutcome: { unchanged: 1, drifted: 1, failed: 1, stale: 1, skipped: 1 },
      repeatedFailures: 1,
      changed: true,
    });
  });

  it.each([
    ['nothing', false, []],
    ['only unchanged, skipped and repeated failures', false, [item('a', 'r/a:1', 'unchanged'), item('b', null, undefined), item('c', 'r/c:1', 'failed', { repeated: true })]],
    ['a new failure', true, [item('a', 'r/a:1', 'unchanged'), item('c', 'r/c:1', 'failed')]],
    ['a repeated failure that came too late (stale)', true, [item('c', 'r/c:1', 'failed', { repeated: true, stored: 'stale' })]],
  ])('%s → changed: %s', (_what, changed, items) => {
    expect(summarize(items).changed).toBe(changed);
  });
});
