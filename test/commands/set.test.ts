import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setImage } from '../../src/commands/set.js';
import { DEFAULT_SUBJECT, projectSubject } from '../../src/domain/index.js';
import { ForbiddenError, ProjectNotFoundError, UsageError } from '../../src/errors.js';
import {
  ADMIN,
  DIGEST,
  DIGEST_2,
  REF,
  REF_2,
  STRANGER,
  VIEWER,
  gate,
  good,
  harness,
  neverOpened,
  pinOf,
  setInput,
  until,
  without,
  type Harness,
} from './support.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => h.store.close());

const types = () => h.events.map((event) => event.type).filter((type) => type !== 'pull-progress');

describe('setImage', () => {
  it('stores the change, validates it and pins <repo>@<digest> from the registry', async () => {
    h.docker.publish(REF, DIGEST, good('sha256:img1'));
    const result = await setImage(setInput(), h.setDeps());

    expect(result.unchanged).toBe(false);
    expect(result.change).toMatchObject({ created: true, before: undefined, after: { reference: REF, status: 'pending', generation: 1 } });
    expect(result.outcome).toMatchObject({ outcome: 'verified', stored: 'stored', verdict: { status: 'verified', digest: pinOf(DIGEST), pinKind: 'registry' } });
    expect(await h.slot('acme')).toMatchObject({ reference: REF, status: 'verified', digest: pinOf(DIGEST), error: null });
    expect(await h.store.lastRun(projectSubject('acme'))).toMatchObject({ runId: result.outcome?.runId, outcome: 'verified', digest: pinOf(DIGEST) });
    const audit = await h.store.audit({ project: 'acme' });
    expect(audit.map((entry) => [entry.event, entry.actor, entry.from, entry.to])).toEqual([
      ['validation_verified', ADMIN, REF, pinOf(DIGEST)],
      ['project_worker_image_changed', ADMIN, null, REF],
    ]);
    expect(audit[1]?.detail).toMatchObject({ via: 'set', created: true, generation: 1 });
  });

  it('stores failed, naming the hard check, when the image has no git', async () => {
    h.docker.publish(REF, DIGEST, without('sha256:nogit', 'git'));
    const result = await setImage(setInput(), h.setDeps());

    expect(result.outcome).toMatchObject({ outcome: 'failed', stored: 'stored', verdict: { status: 'failed', cause: 'checks-failed' } });
    expect(result.outcome?.verdict.status === 'failed' && result.outcome.verdict.reason).toContain('git');
    const slot = await h.slot('acme');
    expect(slot).toMatchObject({ status: 'failed', digest: null });
    expect(slot?.error).toContain('git');
    expect((await h.store.audit({ project: 'acme' }))[0]?.event).toBe('validation_failed');
  });

  it('with validate: false stores pending and never opens the engine or pulls', async () => {
    const engine = neverOpened<never>('the engine');
    const result = await setImage(setInput({ validate: false }), h.setDeps(ADMIN, { engine }));

    expect(result.outcome).toBeUndefined();
    expect(await h.slot('acme')).toMatchObject({ reference: REF, status: 'pending', digest: null });
    expect(engine.calls).toBe(0);
    expect(h.docker.calls.pull).toEqual([]);
    expect(await h.store.lastRun(projectSubject('acme'))).toBeUndefined();
    expect(types()).toEqual(['changed', 'pending']);
  });

  it('emits changed (with the audit facts) before pending, then the lifecycle, finished last', async () => {
    h.docker.publish(REF, DIGEST, good('sha256:img1'));
    await setImage(setInput(), h.setDeps());

    expect(types()).toEqual(['changed', 'pending', 'pulling', 'pinned', 'testing', 'finished']);
    expect(h.events[0]).toEqual({
      type: 'changed',
      subject: projectSubject('acme'),
      event: 'project_worker_image_changed',
      actor: ADMIN,
      from: null,
      to: REF,
    });
    expect(h.events[1]).toEqual({ type: 'pending', subject: projectSubject('acme'), reference: REF, generation: 1 });
  });

  it('drops the first result as stale when a second change lands during its pull; the slot holds the later reference', async () => {
    h.docker.publish(REF, DIGEST, good('sha256:img1'));
    h.docker.publish(REF_2, DIGEST_2, good('sha256:img2'));
    const held = gate();
    h.docker.pullGate = held.promise;

    const first = setImage(setInput(), h.setDeps());
    await until(() => h.docker.calls.pull.length === 1);
    const second = setImage(setInput({ reference: REF_2 }), h.setDeps());
    await until(() => h.docker.calls.pull.length === 2);
    held.release();
    const [firstResult, secondResult] = await Promise.all([first, second]);

    expect(firstResult.outcome?.stored).toBe('stale');
    expect(secondResult.outcome).toMatchObject({ stored: 'stored', outcome: 'verified' });
    expect(await h.slot('acme')).toMatchObject({ reference: REF_2, status: 'verified', digest: pinOf(DIGEST_2), generation: 2 });
    expect((await h.store.getRun(firstResult.outcome?.runId ?? ''))?.outcome).toBe('stale');
    expect((await h.store.audit({ project: 'acme' })).map((entry) => entry.event)).toContain('validation_stale');
  });

  describe('refuses anyone but a superadmin, persisting nothing', () => {
    it.each([
      ['a viewer', VIEWER],
      ['an unknown actor', STRANGER],
    ])('%s changing an existing project', async (_who, actor) => {
      await h.grantViewer();
      h.docker.publish(REF, DIGEST, good('sha256:img1'));
      await h.seed('acme', REF);
      const slotBefore = await h.slot('acme');
      const auditBefore = await h.store.audit({});

      await expect(setImage(setInput({ reference: REF_2 }), h.setDeps(actor))).rejects.toBeInstanceOf(ForbiddenError);
      await expect(setImage(setInput({ reference: null }), h.setDeps(actor))).rejects.toBeInstanceOf(ForbiddenError);

      expect(await h.slot('acme')).toEqual(slotBefore);
      expect(await h.store.audit({})).toEqual(auditBefore);
      expect(h.docker.calls.pull).toEqual([REF]);
      expect(h.events).toEqual([]);
    });

    it.each([
      ['a viewer', VIEWER],
      ['an unknown actor', STRANGER],
    ])('%s creating a project or setting the default', async (_who, actor) => {
      await h.grantViewer();
      const auditBefore = await h.store.audit({});
      await expect(setImage(setInput(), h.setDeps(actor))).rejects.toMatchObject({ name: 'ForbiddenError', actor, required: 'superadmin' });
      await expect(setImage(setInput({ subject: DEFAULT_SUBJECT, create: false }), h.setDeps(actor))).rejects.toBeInstanceOf(ForbiddenError);
      // Clearing an unset default is "nothing to do" only for a superadmin.
      await expect(setImage(setInput({ subject: DEFAULT_SUBJECT, reference: null }), h.setDeps(actor))).rejects.toBeInstanceOf(ForbiddenError);
      expect(await h.slot('acme')).toBeUndefined();
      expect(await h.slot(DEFAULT_SUBJECT)).toBeUndefined();
      expect(await h.store.audit({})).toEqual(auditBefore);
    });
  });

  it('refuses an unknown project without create, storing nothing', async () => {
    const auditBefore = await h.store.audit({});
    await expect(setImage(setInput({ create: false }), h.setDeps())).rejects.toMatchObject({ name: 'ProjectNotFoundError', project: 'acme', next: 'create' });
    await expect(setImage(setInput({ create: false, reference: null }), h.setDeps())).rejects.toBeInstanceOf(ProjectNotFoundError);
    expect(await h.slot('acme')).toBeUndefined();
    expect(await h.store.audit({})).toEqual(auditBefore);
  });

  it('refuses an unknown project before opening (and so creating) a store that does not exist, or the engine', async () => {
    const store = neverOpened<never>('the store');
    const engine = neverOpened<never>('the engine');
    await expect(setImage(setInput({ create: false }), h.setDeps(ADMIN, { store, engine, storeExists: () => false }))).rejects.toBeInstanceOf(
      ProjectNotFoundError,
    );
    expect(store.calls).toBe(0);
    expect(engine.calls).toBe(0);
  });

  it('refuses the change when the engine side cannot be set up, instead of leaving it pending', async () => {
    h.docker.publish(REF, DIGEST, good('sha256:img1'));
    await h.seed('acme', REF);
    const slotBefore = await h.slot('acme');
    const auditBefore = await h.store.audit({});
    const engine = async (): Promise<never> => {
      throw new UsageError('DOCKER_CONTEXT "nope" not found');
    };

    await expect(setImage(setInput({ reference: REF_2 }), h.setDeps(ADMIN, { engine }))).rejects.toBeInstanceOf(UsageError);
    await expect(setImage(setInput({ subject: projectSubject('beta') }), h.setDeps(ADMIN, { engine }))).rejects.toBeInstanceOf(UsageError);

    expect(await h.slot('acme')).toEqual(slotBefore);
    expect(await h.slot('beta')).toBeUndefined();
    expect(await h.store.audit({})).toEqual(auditBefore);
    expect(h.events).toEqual([]);
    // Without validation the engine is not needed at all.
    await setImage(setInput({ reference: REF_2, validate: false }), h.setDeps(ADMIN, { engine }));
    expect(await h.slot('acme')).toMatchObject({ reference: REF_2, status: 'pending' });
  });

  it('stores failed: engine-unavailable (never leaves pending) when the engine is down', async () => {
    h.docker.engineDown = true;
    const result = await setImage(setInput(), h.setDeps());

    expect(result.outcome).toMatchObject({ outcome: 'failed', stored: 'stored', verdict: { status: 'failed', cause: 'engine-unavailable' } });
    expect(await h.slot('acme')).toMatchObject({ status: 'failed', digest: null });
    expect((await h.slot('acme'))?.error).toBeTruthy();
    expect(await h.store.lastRun(projectSubject('acme'))).toMatchObject({ outcome: 'failed' });
    expect((await h.store.audit({ project: 'acme' }))[0]?.detail).toMatchObject({ cause: 'engine-unavailable' });
  });

  it('stores failed: interrupted (never verified) when the signal was aborted', async () => {
    h.docker.publish(REF, DIGEST, good('sha256:img1'));
    h.controller.abort('SIGINT');
    const result = await setImage(setInput(), h.setDeps());
    expect(result.outcome?.verdict).toMatchObject({ status: 'failed', cause: 'interrupted' });
    expect(await h.slot('acme')).toMatchObject({ status: 'failed', digest: null });
  });

  describe('clear (reference null)', () => {
    it('reverts a project to the default: reference null, audited, no validation', async () => {
      h.docker.publish(REF, DIGEST, good('sha256:img1'));
      await h.seed('acme', REF);
      const auditCount = (await h.store.audit({})).length;

      const engine = neverOpened<never>('the engine');
      const result = await setImage(setInput({ reference: null, create: false }), h.setDeps(ADMIN, { engine }));

      expect(engine.calls).toBe(0);
      expect(h.docker.calls.pull).toEqual([REF]);
      expect(result).toMatchObject({ unchanged: false, outcome: undefined, change: { created: false, before: { reference: REF }, after: { reference: null, status: null, digest: null } } });
      expect(await h.slot('acme')).toMatchObject({ reference: null, status: null, digest: null, generation: 2 });
      const audit = await h.store.audit({});
      expect(audit).toHaveLength(auditCount + 1);
      expect(audit[0]).toMatchObject({ event: 'project_worker_image_changed', actor: ADMIN, from: REF, to: null });
      expect(types()).toEqual(['changed']);
    });

    it('clearing what is already clear changes nothing: unchanged, no audit row, no generation bump, no event', async () => {
      await h.seed('acme', null);
      const before = await h.slot('acme');
      const auditBefore = await h.store.audit({});

      const result = await setImage(setInput({ reference: null, create: false }), h.setDeps());

      expect(result.unchanged).toBe(true);
      expect(result.change).toEqual({ before, after: before, created: false });
      expect(await h.slot('acme')).toEqual(before);
      expect(await h.store.audit({})).toEqual(auditBefore);
      expect(h.events).toEqual([]);
    });

    it('clearing an unset global default is unchanged with no slot to show', async () => {
      const auditBefore = await h.store.audit({});
      const result = await setImage(setInput({ subject: DEFAULT_SUBJECT, reference: null, create: false }), h.setDeps());
      expect(result).toEqual({ change: undefined, outcome: undefined, unchanged: true });
      expect(await h.slot(DEFAULT_SUBJECT)).toBeUndefined();
      expect(await h.store.audit({})).toEqual(auditBefore);
    });
  });

  it('sets and validates the global default (DEFAULT_SUBJECT), even before the store exists', async () => {
    h.docker.publish(REF, DIGEST, good('sha256:img1'));
    const result = await setImage(setInput({ subject: DEFAULT_SUBJECT, create: false, via: 'defaults set' }), h.setDeps(ADMIN, { storeExists: () => false }));

    expect(result.outcome).toMatchObject({ outcome: 'verified', stored: 'stored' });
    expect(await h.slot(DEFAULT_SUBJECT)).toMatchObject({ reference: REF, status: 'verified', digest: pinOf(DIGEST) });
    expect(await h.slot('acme')).toBeUndefined();
    const audit = await h.store.audit({});
    expect(audit.slice(0, 2).map((entry) => [entry.event, entry.project])).toEqual([
      ['validation_verified', null],
      ['default_worker_image_changed', null],
    ]);
    expect(h.events[0]).toMatchObject({ type: 'changed', subject: DEFAULT_SUBJECT, event: 'default_worker_image_changed' });
  });
});
