import { mkdtempSync, rmSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SUBJECT, projectSubject, type AuditEntry, type OperatorRole, type Subject } from '../../src/domain/index.js';
import { ForbiddenError, LastSuperadminError, NotAnOperatorError, ProjectHasImageError, ProjectNotFoundError } from '../../src/errors.js';
import type { Permit, RunFinish, RunStart, StorePort } from '../../src/ports/store.js';
import { permit } from '../../src/lifecycle/authorization.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { ADMIN, STORE_KINDS, storeHarness } from '../support/store.js';

const acme = projectSubject('acme');
const REF = 'registry.test/acme/worker:1';
const DIGEST = `registry.test/acme/worker@sha256:${'c'.repeat(64)}`;

/** A stand-in for the lifecycle's rule (src/lifecycle/authorization.ts): the store applies whatever rule it is given. */
const superadmin = (actor: string): Permit => ({
  actor,
  check: (role) => {
    if (role !== 'superadmin') throw new ForbiddenError(actor);
  },
});

/** A permit that notes every role it is shown, then allows or refuses regardless of it. */
function recording(actor: string, decision: 'allow' | 'refuse'): Permit & { readonly seen: Array<OperatorRole | undefined> } {
  const seen: Array<OperatorRole | undefined> = [];
  return {
    actor,
    seen,
    check: (role) => {
      seen.push(role);
      if (decision === 'refuse') throw new ForbiddenError(actor);
    },
  };
}

const run = (runId: string, generation = 1): RunStart => ({ runId, subject: acme, generation, reference: REF, owner: { pid: 1, host: 'h' }, leaseMs: 1000 });

describe.each(STORE_KINDS)('on %s', (kind) => {
  const stores = storeHarness(kind);
  let store: StorePort;
  beforeEach(async () => {
    store = await stores.open();
  });

  const change = (reference: string | null, extra: Partial<{ actor: string; create: boolean }> = {}) => {
    const actor = extra.actor ?? ADMIN;
    return store.changeSlot({ subject: acme, reference, allowLocal: false, actor, create: extra.create ?? true, event: 'project_worker_image_changed' }, superadmin(actor));
  };

  describe('listSummaries', () => {
    it("is list's projection of listProjects: the same projects in the same order, with each one's lifecycle fields", async () => {
      for (const id of ['b-2', 'B_1', 'a', '9z']) {
        await store.changeSlot({ subject: projectSubject(id), reference: REF, allowLocal: false, actor: ADMIN, create: true, event: 'project_worker_image_changed' }, superadmin(ADMIN));
      }
      await store.beginRun({ ...run('r1'), subject: projectSubject('a') }, superadmin(ADMIN));
      await store.finishRun({ runId: 'r1', subject: projectSubject('a'), generation: 1, reference: REF, actor: ADMIN, verdict: { status: 'verified', digest: DIGEST, pinKind: 'registry', warnings: ['w'] }, durationMs: 5, checks: undefined, outcome: 'verified', contractHash: 'h' });
      const full = await store.listProjects();
      const pick = ({ subject, reference, status, digest, pinKind, error, warnings }: (typeof full)[number]) => ({ subject, reference, status, digest, pinKind, error, warnings });
      expect(await store.listSummaries()).toEqual(full.map(pick));
      expect((await store.listSummaries()).map((slot) => slot.subject)).toEqual(['9z', 'B_1', 'a', 'b-2'].map(projectSubject));
      expect((await store.listSummaries())[2]).toMatchObject({ status: 'verified', digest: DIGEST, warnings: ['w'] });
    });
  });

  describe('changeSlot', () => {
    it('stores a new reference as pending with cleared digest and error, bumping the generation', async () => {
      const first = await change(REF);
      expect(first.created).toBe(true);
      expect(first.after).toMatchObject({ reference: REF, status: 'pending', digest: null, error: null, generation: 1 });
      await store.beginRun(run('r1'), superadmin(ADMIN));
      await store.finishRun({ runId: 'r1', subject: acme, generation: 1, reference: REF, actor: ADMIN, verdict: { status: 'verified', digest: DIGEST, pinKind: 'registry', warnings: [] }, durationMs: 5, checks: undefined, outcome: 'verified', contractHash: 'h' });
      const second = await change('registry.test/acme/worker:2');
      expect(second.before).toMatchObject({ status: 'verified', digest: DIGEST });
      expect(second.after).toMatchObject({ status: 'pending', digest: null, error: null, generation: 2 });
    });

    it('refuses an unknown project without create, storing nothing', async () => {
      const refused = change(REF, { create: false });
      await expect(refused).rejects.toBeInstanceOf(ProjectNotFoundError);
      await expect(refused).rejects.toMatchObject({ code: 'PROJECT_NOT_FOUND', exitCode: 2, project: 'acme', next: 'create', hint: undefined });
      expect(await store.getSlot(acme)).toBeUndefined();
      expect((await store.audit({})).filter((entry) => entry.event !== 'operator_granted')).toHaveLength(0);
    });

    it('clearing sets reference, status, digest and error all to null', async () => {
      await change(REF);
      const cleared = await change(null);
      expect(cleared.after).toMatchObject({ reference: null, status: null, digest: null, error: null, generation: 2 });
    });

    it('writes the audit row (who, project, from, to) in the same transaction', async () => {
      await change(REF);
      await change(null);
      const entries = await store.audit({ project: 'acme' });
      expect(entries.map((entry) => [entry.event, entry.actor, entry.from, entry.to])).toEqual([
        ['project_worker_image_changed', ADMIN, REF, null],
        ['project_worker_image_changed', ADMIN, null, REF],
      ]);
    });

    it('refuses a non-superadmin and persists nothing', async () => {
      await expect(change(REF, { actor: 'mallory' })).rejects.toMatchObject({ code: 'FORBIDDEN', exitCode: 77, message: 'forbidden: mallory is not a superadmin' });
      expect(await store.getSlot(acme)).toBeUndefined();
      expect((await store.audit({})).map((entry) => entry.event)).toEqual(['operator_granted']);
    });

    it('keeps the global default in its own slot', async () => {
      await store.changeSlot({ subject: DEFAULT_SUBJECT, reference: REF, allowLocal: false, actor: ADMIN, create: true, event: 'default_worker_image_changed' }, superadmin(ADMIN));
      expect(await store.getSlot(DEFAULT_SUBJECT)).toMatchObject({ reference: REF, status: 'pending' });
      expect(await store.listProjects()).toHaveLength(0);
    });
  });

  describe('finishRun', () => {
    it('stores a result only for the generation the run started with', async () => {
      await change(REF);
      await store.beginRun(run('old'), superadmin(ADMIN));
      await change('registry.test/acme/worker:2');
      const result = await store.finishRun({ runId: 'old', subject: acme, generation: 1, reference: REF, actor: ADMIN, verdict: { status: 'verified', digest: DIGEST, pinKind: 'registry', warnings: [] }, durationMs: 5, checks: undefined, outcome: 'verified', contractHash: 'h' });
      expect(result).toBe('stale');
      expect(await store.getSlot(acme)).toMatchObject({ reference: 'registry.test/acme/worker:2', status: 'pending', digest: null });
      expect(await store.lastRun(acme)).toMatchObject({ runId: 'old', outcome: 'stale' });
      expect((await store.audit({ project: 'acme' }))[0]).toMatchObject({ event: 'validation_stale', from: REF });
    });

    it('stores failed with the reason and audits it', async () => {
      await change(REF);
      await store.beginRun(run('r'), superadmin(ADMIN));
      await store.finishRun({ runId: 'r', subject: acme, generation: 1, reference: REF, actor: ADMIN, verdict: { status: 'failed', reason: 'hard checks failed: git --version', cause: 'checks-failed' }, durationMs: 5, checks: undefined, outcome: 'failed', contractHash: 'h' });
      expect(await store.getSlot(acme)).toMatchObject({ status: 'failed', error: 'hard checks failed: git --version', digest: null });
      expect((await store.audit({ project: 'acme' }))[0]).toMatchObject({ event: 'validation_failed', detail: expect.objectContaining({ reason: 'hard checks failed: git --version' }) });
    });

    it('is idempotent: a run finished again gets the first answer, and nothing more is written', async () => {
      await change(REF);
      await store.beginRun(run('r'), superadmin(ADMIN));
      const finish: RunFinish = { runId: 'r', subject: acme, generation: 1, reference: REF, actor: ADMIN, verdict: { status: 'verified', digest: DIGEST, pinKind: 'registry', warnings: [] }, durationMs: 5, checks: undefined, outcome: 'verified', contractHash: 'h' };
      expect(await store.finishRun(finish)).toBe('stored');
      const after = { slot: await store.getSlot(acme), run: await store.getRun('r'), audit: await store.audit({}) };
      expect(await store.finishRun(finish)).toBe('stored');
      // A retry is the same call; even one carrying another verdict finds the run closed.
      expect(await store.finishRun({ ...finish, verdict: { status: 'failed', reason: 'x', cause: 'checks-failed' }, outcome: 'failed' })).toBe('stored');
      expect({ slot: await store.getSlot(acme), run: await store.getRun('r'), audit: await store.audit({}) }).toEqual(after);
    });

    it('is idempotent for a stale run too: stale again, one validation_stale row', async () => {
      await change(REF);
      await store.beginRun(run('old'), superadmin(ADMIN));
      await change('registry.test/acme/worker:2');
      const finish: RunFinish = { runId: 'old', subject: acme, generation: 1, reference: REF, actor: ADMIN, verdict: { status: 'verified', digest: DIGEST, pinKind: 'registry', warnings: [] }, durationMs: 5, checks: undefined, outcome: 'verified', contractHash: 'h' };
      expect(await store.finishRun(finish)).toBe('stale');
      expect(await store.finishRun(finish)).toBe('stale');
      expect((await store.audit({})).filter((entry) => entry.event === 'validation_stale')).toHaveLength(1);
      expect(await store.getSlot(acme)).toMatchObject({ reference: 'registry.test/acme/worker:2', status: 'pending', generation: 2 });
    });
  });

  describe('a viewer re-validating', () => {
    // On PostgreSQL through the viewer's own connection: the server's guard lets a viewer record validations.
    const verified = (digest: string) => ({ status: 'verified' as const, digest, pinKind: 'registry' as const, warnings: [] });
    const pin = (c: string) => `registry.test/acme/worker@sha256:${c.repeat(64)}`;
    const finishAs = async (viewer: StorePort, runId: string, fields: Pick<RunFinish, 'verdict' | 'outcome'> & Partial<RunFinish>) => {
      const generation = (await store.getSlot(acme))?.generation ?? 0;
      await viewer.beginRun({ ...run(runId, generation) }, permit('revalidate', 'victor'));
      return viewer.finishRun({ runId, subject: acme, generation, reference: REF, actor: 'victor', contractHash: 'h', durationMs: 5, checks: undefined, ...fields });
    };

    it('records runs, verdicts, held drifts and the smoke cache, audited in its own name', async () => {
      await change(REF);
      await store.setOperator('victor', 'viewer', superadmin(ADMIN));
      const viewer = await stores.as('victor');
      expect(await finishAs(viewer, 'v1', { verdict: verified(pin('a')), outcome: 'verified' })).toBe('stored');
      expect(await finishAs(viewer, 'v2', { verdict: verified(pin('b')), outcome: 'drifted' })).toBe('stored');
      await store.setPolicy(acme, { drift: 'hold' }, ADMIN, superadmin(ADMIN));
      const held = { digest: pin('c'), pinKind: 'registry' as const, generation: 1, contractHash: 'h', warnings: [], inventory: null, inventoryChanges: [], runId: 'v3', foundAt: '2026-12-01T00:00:00.000Z' };
      expect(await finishAs(viewer, 'v3', { verdict: verified(pin('b')), outcome: 'drift-held', held, testedPin: pin('c') })).toBe('stored');
      expect(await finishAs(viewer, 'v4', { verdict: { status: 'failed', reason: 'hard checks failed: git --version', cause: 'checks-failed' }, outcome: 'contract-changed' })).toBe('stored');
      await viewer.saveSmoke('sha256:img', 'h', { status: 'verified', cause: null, reason: null, warnings: [], results: [] });
      expect(await store.getSlot(acme)).toMatchObject({ status: 'failed', digest: null, held: null, generation: 1 });
      expect(await store.cachedSmoke('sha256:img', 'h')).toMatchObject({ status: 'verified' });
      expect((await store.audit({ project: 'acme' })).slice(0, 6).map((entry) => [entry.event, entry.actor, entry.to])).toEqual([
        ['validation_failed', 'victor', null],
        ['drift_held', 'victor', pin('c')],
        ['validation_verified', 'victor', pin('b')],
        ['drift_policy_set', ADMIN, 'hold'],
        ['validation_verified', 'victor', pin('b')],
        ['validation_verified', 'victor', pin('a')],
      ]);
    });

    it("a viewer's run made stale by a change is recorded as stale", async () => {
      await change(REF);
      await store.setOperator('victor', 'viewer', superadmin(ADMIN));
      const viewer = await stores.as('victor');
      await viewer.beginRun(run('late'), permit('revalidate', 'victor'));
      await change('registry.test/acme/worker:2');
      expect(await viewer.finishRun({ runId: 'late', subject: acme, generation: 1, reference: REF, actor: 'victor', verdict: verified(pin('a')), outcome: 'verified', contractHash: 'h', durationMs: 5, checks: undefined })).toBe('stale');
      expect((await store.audit({ project: 'acme' }))[0]).toMatchObject({ event: 'validation_stale', actor: 'victor' });
    });
  });

  describe('pendingSlots', () => {
    it('lists each pending slot (projects by id, then the default) with the latest run of its current generation', async () => {
      const slot = (subject: Subject, reference: string) => store.changeSlot({ subject, reference, allowLocal: false, actor: ADMIN, create: true, event: 'e' }, superadmin(ADMIN));
      await slot(projectSubject('beta'), REF);
      await slot(DEFAULT_SUBJECT, REF);
      await slot(acme, REF);
      await store.beginRun(run('a1'), superadmin(ADMIN));
      await slot(acme, 'registry.test/acme/worker:2');
      await store.beginRun(run('a2', 2), superadmin(ADMIN));
      await store.beginRun(run('a3', 2), superadmin(ADMIN));
      await slot(projectSubject('gamma'), REF);
      await store.beginRun({ ...run('g1'), subject: projectSubject('gamma') }, superadmin(ADMIN));
      await store.finishRun({ runId: 'g1', subject: projectSubject('gamma'), generation: 1, reference: REF, actor: ADMIN, verdict: { status: 'verified', digest: DIGEST, pinKind: 'registry', warnings: [] }, durationMs: 5, checks: undefined, outcome: 'verified', contractHash: 'h' });
      const pending = await store.pendingSlots();
      expect(pending.map(({ slot: { subject }, run: latest }) => [subject.kind === 'project' ? subject.project : '(default)', latest?.runId ?? null])).toEqual([
        ['acme', 'a3'],
        ['beta', null],
        ['(default)', null],
      ]);
      expect(pending[0]).toMatchObject({ slot: { reference: 'registry.test/acme/worker:2', generation: 2 }, run: { generation: 2, finishedAt: null, ownerHost: 'h' } });
    });
  });

  describe('audit', () => {
    it('filters by project and by time (from `since` on), newest first, up to a limit', async () => {
      let clock = Date.parse('2026-03-01T10:00:00.000Z');
      store = await stores.open(() => new Date(clock));
      const at = (seconds: number) => new Date(Date.parse('2026-03-01T10:00:00.000Z') + seconds * 1000).toISOString();
      for (const [seconds, project] of [[1, 'acme'], [2, 'beta'], [3, 'acme']] as const) {
        clock = Date.parse(at(seconds));
        await store.changeSlot({ subject: projectSubject(project), reference: `${REF}-${seconds}`, allowLocal: false, actor: ADMIN, create: true, event: 'e' }, superadmin(ADMIN));
      }
      const seen = (entries: readonly AuditEntry[]) => entries.map((entry) => [entry.project, entry.at]);
      expect(seen(await store.audit({}))).toEqual([['acme', at(3)], ['beta', at(2)], ['acme', at(1)], [null, at(0)]]);
      expect(seen(await store.audit({ project: 'acme' }))).toEqual([['acme', at(3)], ['acme', at(1)]]);
      expect(seen(await store.audit({ since: at(2) }))).toEqual([['acme', at(3)], ['beta', at(2)]]);
      // A shorter timestamp is a prefix: it compares as text, before every moment it starts.
      expect(seen(await store.audit({ since: '2026-03-01T10:00:02' }))).toEqual([['acme', at(3)], ['beta', at(2)]]);
      expect(seen(await store.audit({ project: 'acme', since: at(1), limit: 1 }))).toEqual([['acme', at(3)]]);
      expect(await store.audit({ limit: 0 })).toEqual([]);
      expect(await store.audit({ project: 'ghost' })).toEqual([]);
    });
  });

  describe('smoke cache', () => {
    it('remembers a verdict per image and contract; a re-test of the same pair replaces it', async () => {
      expect(await store.cachedSmoke('sha256:img', 'h1')).toBeUndefined();
      await store.saveSmoke('sha256:img', 'h1', { status: 'failed', cause: 'checks-failed', reason: 'hard checks failed: git --version', warnings: [], results: [{ id: 'git', passed: false }] });
      await store.saveSmoke('sha256:img', 'h2', { status: 'verified', cause: null, reason: null, warnings: ['w'], results: [] });
      expect(await store.cachedSmoke('sha256:img', 'h1')).toEqual({ status: 'failed', cause: 'checks-failed', reason: 'hard checks failed: git --version', warnings: [], results: [{ id: 'git', passed: false }], testedAt: expect.any(String) });
      await store.saveSmoke('sha256:img', 'h1', { status: 'verified', cause: null, reason: null, warnings: [], results: [{ id: 'git', passed: true }] });
      expect(await store.cachedSmoke('sha256:img', 'h1')).toMatchObject({ status: 'verified', cause: null, reason: null, results: [{ id: 'git', passed: true }] });
      expect(await store.cachedSmoke('sha256:img', 'h2')).toMatchObject({ status: 'verified', warnings: ['w'] });
      expect(await store.cachedSmoke('sha256:other', 'h1')).toBeUndefined();
    });
  });

  describe('schemaVersion', () => {
    it('is the last migration, under the same name on every store', async () => {
      expect(await store.schemaVersion()).toBe('0005_server_roles');
      expect(await store.schemaVersion()).toBe(Object.keys(MIGRATIONS).at(-1));
    });
  });

  describe('operators', () => {
    it('makes the actor that creates the store its first superadmin, and logs it', async () => {
      expect(await store.operators()).toMatchObject([{ actor: ADMIN, role: 'superadmin' }]);
      expect((await store.audit({}))[0]).toMatchObject({ event: 'operator_granted', to: 'superadmin', detail: { operator: ADMIN, bootstrap: true } });
    });

    it('refuses to revoke or demote the last superadmin', async () => {
      const revoke = store.removeOperator(ADMIN, superadmin(ADMIN));
      await expect(revoke).rejects.toBeInstanceOf(LastSuperadminError);
      await expect(revoke).rejects.toMatchObject({ code: 'USAGE', actor: ADMIN, message: expect.stringContaining('last superadmin'), hint: undefined });
      await expect(store.setOperator(ADMIN, 'viewer', superadmin(ADMIN))).rejects.toBeInstanceOf(LastSuperadminError);
      await store.setOperator('bob', 'superadmin', superadmin(ADMIN));
      await (await stores.as('bob')).removeOperator(ADMIN, superadmin('bob'));
      expect((await store.operators()).map((operator) => operator.actor)).toEqual(['bob']);
    });

    it('lets a superadmin revoke or demote themselves while another superadmin remains', async () => {
      await store.setOperator('bob', 'superadmin', superadmin(ADMIN));
      await store.setOperator(ADMIN, 'viewer', superadmin(ADMIN));
      expect(await store.roleOf(ADMIN)).toBe('viewer');
      const bob = await stores.as('bob');
      await bob.setOperator(ADMIN, 'superadmin', superadmin('bob'));
      await store.removeOperator(ADMIN, superadmin(ADMIN));
      expect(await store.operators()).toMatchObject([{ actor: 'bob', role: 'superadmin' }]);
      expect((await store.audit({})).slice(0, 3).map((entry) => [entry.event, entry.actor, entry.from, entry.to, entry.detail])).toEqual([
        ['operator_revoked', ADMIN, 'superadmin', null, { operator: ADMIN }],
        ['operator_granted', 'bob', 'viewer', 'superadmin', { operator: ADMIN }],
        ['operator_granted', ADMIN, 'superadmin', 'viewer', { operator: ADMIN }],
      ]);
    });

    it('audits a grant and a revocation as done by the permit actor', async () => {
      await store.setOperator('bob', 'superadmin', superadmin(ADMIN));
      const bob = await stores.as('bob');
      await bob.setOperator('victor', 'viewer', superadmin('bob'));
      await bob.removeOperator('victor', superadmin('bob'));
      expect(await store.operators()).toMatchObject([
        { actor: ADMIN, grantedBy: ADMIN },
        { actor: 'bob', role: 'superadmin', grantedBy: ADMIN },
      ]);
      expect((await store.audit({})).slice(0, 3).map((entry) => [entry.event, entry.actor, entry.from, entry.to, entry.detail])).toEqual([
        ['operator_revoked', 'bob', 'viewer', null, { operator: 'victor' }],
        ['operator_granted', 'bob', null, 'viewer', { operator: 'victor' }],
        ['operator_granted', ADMIN, null, 'superadmin', { operator: 'bob' }],
      ]);
    });

    it('refuses to revoke someone who is not an operator', async () => {
      const revoke = store.removeOperator('nobody', superadmin(ADMIN));
      await expect(revoke).rejects.toBeInstanceOf(NotAnOperatorError);
      await expect(revoke).rejects.toMatchObject({ code: 'USAGE', actor: 'nobody', hint: undefined });
    });

    it('a permit that refuses the role it reads stops a grant', async () => {
      await store.setOperator('victor', 'viewer', superadmin(ADMIN));
      await expect(store.setOperator('victor', 'superadmin', superadmin('victor'))).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(await store.roleOf('victor')).toBe('viewer');
    });
  });

  describe('deleteProject', () => {
    it('refuses an unknown project, pointing the user at the list', async () => {
      const refused = store.deleteProject('ghost', false, superadmin(ADMIN));
      await expect(refused).rejects.toBeInstanceOf(ProjectNotFoundError);
      await expect(refused).rejects.toMatchObject({ code: 'PROJECT_NOT_FOUND', project: 'ghost', next: 'list', hint: undefined });
    });

    it('keeps a project that still has an image unless forced', async () => {
      await change(REF);
      const refused = store.deleteProject('acme', false, superadmin(ADMIN));
      await expect(refused).rejects.toBeInstanceOf(ProjectHasImageError);
      await expect(refused).rejects.toMatchObject({ code: 'USAGE', exitCode: 2, project: 'acme', reference: REF, hint: undefined });
      expect(await store.getSlot(acme)).toMatchObject({ reference: REF });
      const deleted = await store.deleteProject('acme', true, superadmin(ADMIN));
      expect(deleted).toMatchObject({ reference: REF, generation: 1 });
      expect(await store.getSlot(acme)).toBeUndefined();
      expect((await store.audit({ project: 'acme' }))[0]).toMatchObject({ event: 'project_deleted', actor: ADMIN, from: REF, to: null, detail: { generation: 1, force: true } });
    });

    it('deletes a project without an image, audited as done by the permit actor', async () => {
      await change(REF);
      await change(null);
      await store.setOperator('bob', 'superadmin', superadmin(ADMIN));
      await (await stores.as('bob')).deleteProject('acme', false, superadmin('bob'));
      expect(await store.listProjects()).toHaveLength(0);
      expect((await store.audit({ project: 'acme' }))[0]).toMatchObject({ event: 'project_deleted', actor: 'bob', from: null, detail: { generation: 2, force: false } });
    });
  });

  describe('permits', () => {
    /** Everything a write could touch, to compare before and after a refusal. */
    async function snapshot() {
      return {
        slot: await store.getSlot(acme),
        projects: await store.listProjects(),
        run: await store.lastRun(acme),
        audit: await store.audit({}),
        operators: await store.operators(),
        policies: await store.policyAssignments(),
      };
    }

    it('a refusing permit persists nothing, whichever write it guards', async () => {
      await change(REF);
      const before = await snapshot();
      const permit = recording(ADMIN, 'refuse');
      const writes: Array<() => Promise<unknown>> = [
        () => store.changeSlot({ subject: acme, reference: 'registry.test/acme/worker:2', allowLocal: false, actor: ADMIN, create: true, event: 'e' }, permit),
        () => store.changeSlot({ subject: projectSubject('beta'), reference: REF, allowLocal: false, actor: ADMIN, create: true, event: 'e' }, permit),
        () => store.deleteProject('acme', true, permit),
        () => store.beginRun(run('r'), permit),
        () => store.setOperator('bob', 'superadmin', permit),
        () => store.removeOperator(ADMIN, permit),
        () => store.setPolicy(acme, { drift: 'hold' }, ADMIN, permit),
        () => store.approveDrift(acme, ADMIN, permit),
      ];
      for (const write of writes) await expect(write()).rejects.toBeInstanceOf(ForbiddenError);
      expect(permit.seen).toEqual(writes.map(() => 'superadmin'));
      expect(await snapshot()).toEqual(before);
      expect(await store.getRun('r')).toBeUndefined();
    });

    it('is asked before the write looks at anything else', async () => {
      // Each of these would fail on its own terms; the permit's refusal comes first.
      const permit = recording('mallory', 'refuse');
      await expect(store.changeSlot({ subject: acme, reference: REF, allowLocal: false, actor: 'mallory', create: false, event: 'e' }, permit)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(store.deleteProject('ghost', false, permit)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(store.removeOperator('nobody', permit)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(store.removeOperator(ADMIN, permit)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(store.setPolicy(projectSubject('ghost'), { drift: 'hold' }, 'mallory', permit)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(store.approveDrift(projectSubject('ghost'), 'mallory', permit)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      // On PostgreSQL an operator must be a database role; a grant to none is still refused by the permit first.
      await expect(store.setOperator('no_such_role', 'viewer', permit)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(permit.seen).toEqual([undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
    });

    it("is shown its own actor's stored role, and the store adds no rule of its own", async () => {
      await store.setOperator('victor', 'viewer', superadmin(ADMIN));
      const admin = recording(ADMIN, 'allow');
      const viewer = recording('victor', 'allow');
      const stranger = recording('mallory', 'allow');
      await store.changeSlot({ subject: acme, reference: REF, allowLocal: false, actor: 'victor', create: true, event: 'e' }, viewer);
      await store.beginRun(run('r'), stranger);
      await store.setOperator('bob', 'viewer', admin);
      expect([admin.seen, viewer.seen, stranger.seen]).toEqual([['superadmin'], ['viewer'], [undefined]]);
      expect(await store.getRun('r')).toMatchObject({ runId: 'r', generation: 1 });
      expect((await store.audit({ project: 'acme' }))[0]).toMatchObject({ actor: 'victor', to: REF });
    });
  });
});

describe('the store file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'store-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a missing folder, uses WAL, and keeps the audit log append-only', async () => {
    const path = join(dir, 'nested', 'deeper', 'store.db');
    const fileStore = await openSqliteStore({ path, now: () => new Date(), bootstrapActor: ADMIN });
    await fileStore.changeSlot({ subject: acme, reference: REF, allowLocal: false, actor: ADMIN, create: true, event: 'e' }, superadmin(ADMIN));
    await fileStore.close();
    const raw = new Database(path);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(() => raw.prepare('delete from audit_log').run()).toThrow(/append-only/);
    expect(() => raw.prepare("update audit_log set actor = 'x'").run()).toThrow(/append-only/);
    raw.close();
  });

  it('shows a permit the role as read inside the write transaction, under the write lock', async () => {
    const path = join(dir, 'store.db');
    const fileStore = await openSqliteStore({ path, now: () => new Date(), bootstrapActor: ADMIN });
    expect(await fileStore.roleOf('victor')).toBeUndefined();
    // Another process grants victor directly: the permit must see that, not a role read earlier.
    const other = new Database(path, { timeout: 0 });
    other.prepare("insert into operators (actor, role, granted_by, granted_at) values ('victor', 'superadmin', 'x', 'x')").run();
    let seen: OperatorRole | undefined;
    let lockedOut: unknown;
    const permit: Permit = {
      actor: 'victor',
      check: (role) => {
        seen = role;
        // While the permit decides, no other connection can change the role it decided on.
        try {
          other.prepare("update operators set role = 'viewer' where actor = 'victor'").run();
        } catch (error) {
          lockedOut = error;
        }
      },
    };
    try {
      await fileStore.changeSlot({ subject: acme, reference: REF, allowLocal: false, actor: 'victor', create: true, event: 'e' }, permit);
      expect(seen).toBe('superadmin');
      expect(lockedOut).toMatchObject({ code: 'SQLITE_BUSY' });
      expect(await fileStore.getSlot(acme)).toMatchObject({ reference: REF });
      expect(await fileStore.roleOf('victor')).toBe('superadmin');
    } finally {
      other.close();
      await fileStore.close();
    }
  });

  it('refuses a store written by a newer schema and leaves it untouched', async () => {
    const path = join(dir, 'store.db');
    const fileStore = await openSqliteStore({ path, now: () => new Date(), bootstrapActor: ADMIN });
    await fileStore.close();
    const raw = new Database(path);
    raw.prepare("insert into cascade_schema_migrations (name, applied_at) values ('9999_future', 'x')").run();
    raw.close();
    await expect(openSqliteStore({ path, now: () => new Date(), bootstrapActor: ADMIN })).rejects.toMatchObject({ code: 'STORE_SCHEMA_TOO_NEW', exitCode: 69 });
    const after = new Database(path);
    expect(after.prepare('select count(*) as n from cascade_schema_migrations').get()).toEqual({ n: Object.keys(MIGRATIONS).length + 1 });
    after.close();
  });

  it('says clearly when the store folder is not writable', async () => {
    if (process.getuid?.() === 0) {
      // root ignores permissions; a path under a regular file is unwritable for everyone.
      writeFileSync(join(dir, 'file'), '');
      await expect(openSqliteStore({ path: join(dir, 'file', 'store.db'), now: () => new Date() })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', exitCode: 69 });
      return;
    }
    chmodSync(dir, 0o500);
    await expect(openSqliteStore({ path: join(dir, 'x', 'store.db'), now: () => new Date() })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });

  it("refuses another application's SQLite database and leaves it untouched", async () => {
    const path = join(dir, 'other.db');
    const other = new Database(path);
    other.prepare('create table notes (body text)').run();
    other.close();
    await expect(openSqliteStore({ path, now: () => new Date(), bootstrapActor: ADMIN })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: expect.stringContaining('not a cascade-image store'),
    });
    const after = new Database(path);
    expect(after.prepare("select name from sqlite_master where type = 'table'").all()).toEqual([{ name: 'notes' }]);
    expect(after.pragma('journal_mode', { simple: true })).toBe('delete');
    after.close();
  });

  it('refuses a file that is not a store', async () => {
    const path = join(dir, 'junk.db');
    writeFileSync(path, 'this is not sqlite'.repeat(100));
    await expect(openSqliteStore({ path, now: () => new Date() })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringContaining('not a cascade-image store') });
  });
});

describe('migration names', () => {
  it('the cheap name list matches the migrations', async () => {
    const { MIGRATION_NAMES } = await import('../../src/store/migrations/names.js');
    expect(MIGRATION_NAMES).toEqual(Object.keys(MIGRATIONS));
  });
});
