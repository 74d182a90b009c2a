// Approving a held drift pins it: the slot takes the held digest and its findings, the generation
// moves on (a validation under way since is stale), the held row goes, the log says who and what.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SUBJECT, projectSubject, type Subject } from '../../src/domain/index.js';
import { ForbiddenError, HeldDriftStaleError, NothingToApproveError, ProjectNotFoundError } from '../../src/errors.js';
import { permit } from '../../src/lifecycle/authorization.js';
import type { StorePort } from '../../src/ports/store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { NODE_20, NODE_22, NODE_CHANGED, REF, allow, finishOn, holdOn, pin } from '../support/held.js';
import { ADMIN, STORE_KINDS, storeHarness } from '../support/store.js';

const acme = projectSubject('acme');
const admin = permit('change', ADMIN);

let store: StorePort;

/** A slot verified at pin a, with pin b held beside it. */
async function heldAtB(subject: Subject = acme) {
  await store.changeSlot({ subject, reference: REF, allowLocal: false, actor: ADMIN, create: true, event: 'e' }, allow);
  await finishOn(store, { verdict: { status: 'verified', digest: pin('a'), pinKind: 'registry', warnings: [] }, outcome: 'verified', inventory: NODE_20 }, subject);
  return (await holdOn(store, subject, pin('a'), pin('b'), { contractHash: 'h-held' })).held;
}

describe.each(STORE_KINDS)('on %s', (kind) => {
  const stores = storeHarness(kind);
  beforeEach(async () => {
    store = await stores.open();
  });

  describe('approveDrift', () => {
    it('pins the held digest with what was found about it, bumps the generation and removes the held drift', async () => {
      const held = await heldAtB();
      const { before, after, held: taken } = await store.approveDrift(acme, ADMIN, admin);
      expect(taken).toEqual(held);
      expect(before).toMatchObject({ digest: pin('a'), inventory: NODE_20, held });
      expect(after).toMatchObject({
        status: 'verified',
        digest: pin('b'),
        pinKind: 'registry',
        error: null,
        contractHash: 'h-held',
        warnings: held.warnings,
        inventory: NODE_22,
        validatedAt: held.foundAt,
        generation: before.generation + 1,
        held: null,
      });
      expect(await store.getSlot(acme)).toEqual(after);
      expect(await store.heldDrift(acme)).toBeUndefined();
    });

    it('audits who approved it: from the old pin to the new, with what changed and the run that found it', async () => {
      const held = await heldAtB();
      const { after } = await store.approveDrift(acme, ADMIN, admin);
      expect((await store.audit({ project: 'acme' }))[0]).toEqual({
        id: expect.any(Number),
        at: expect.any(String),
        actor: ADMIN,
        project: 'acme',
        event: 'drift_approved',
        from: pin('a'),
        to: pin('b'),
        detail: { inventoryChanges: NODE_CHANGED, runId: held.runId, foundAt: held.foundAt, heldGeneration: held.generation, generation: after.generation },
      });
    });

    it('a validation that began before the approval is dropped as stale', async () => {
      await heldAtB();
      const generation = (await store.getSlot(acme))?.generation ?? 0;
      await store.beginRun({ runId: 'late', subject: acme, generation, reference: REF, owner: { pid: 1, host: 'h' }, leaseMs: 1000 }, allow);
      await store.approveDrift(acme, ADMIN, admin);
      const late = { runId: 'late', subject: acme, generation, reference: REF, actor: ADMIN, contractHash: 'h', durationMs: 1, checks: undefined };
      expect(await store.finishRun({ ...late, verdict: { status: 'verified', digest: pin('a'), pinKind: 'registry', warnings: [] }, outcome: 'unchanged' })).toBe('stale');
      expect(await store.getSlot(acme)).toMatchObject({ digest: pin('b') });
    });

    it('works for the global default', async () => {
      await heldAtB(DEFAULT_SUBJECT);
      const { after } = await store.approveDrift(DEFAULT_SUBJECT, ADMIN, admin);
      expect(after).toMatchObject({ subject: DEFAULT_SUBJECT, digest: pin('b'), held: null });
      expect((await store.audit({}))[0]).toMatchObject({ event: 'drift_approved', project: null });
    });

    it('refuses when nothing is held (a usage error, exit 2), and an unknown project as such', async () => {
      await store.changeSlot({ subject: acme, reference: REF, allowLocal: false, actor: ADMIN, create: true, event: 'e' }, allow);
      const audit = await store.audit({});
      const refused = store.approveDrift(acme, ADMIN, admin);
      await expect(refused).rejects.toBeInstanceOf(NothingToApproveError);
      await expect(refused).rejects.toMatchObject({ code: 'NOTHING_TO_APPROVE', exitCode: 2, project: 'acme', message: 'nothing to approve: no drift is held for project "acme"' });
      await expect(store.approveDrift(DEFAULT_SUBJECT, ADMIN, admin)).rejects.toMatchObject({ code: 'NOTHING_TO_APPROVE', project: null });
      await expect(store.approveDrift(projectSubject('ghost'), ADMIN, admin)).rejects.toBeInstanceOf(ProjectNotFoundError);
      expect(await store.audit({})).toEqual(audit);
    });

    it('refuses a second approval of the same drift', async () => {
      await heldAtB();
      await store.approveDrift(acme, ADMIN, admin);
      await expect(store.approveDrift(acme, ADMIN, admin)).rejects.toBeInstanceOf(NothingToApproveError);
    });

    it('is a superadmin change: a viewer is refused and nothing changes', async () => {
      const held = await heldAtB();
      await store.setOperator('victor', 'viewer', admin);
      const slot = await store.getSlot(acme);
      const audit = await store.audit({});
      await expect((await stores.as('victor')).approveDrift(acme, 'victor', permit('change', 'victor'))).rejects.toBeInstanceOf(ForbiddenError);
      expect(await store.getSlot(acme)).toEqual(slot);
      expect(await store.heldDrift(acme)).toEqual(held);
      expect(await store.audit({})).toEqual(audit);
    });
  });
});

describe.each(STORE_KINDS)('approveDrift of a held drift the slot has moved on from, on %s', (kind) => {
  // The store's own writes void a held drift whenever the slot moves on; these states are made by
  // editing the store behind its back (the SQLite file; on PostgreSQL as the server's admin, with
  // the store's triggers off), as a tool other than cascade-image (or a bug) could leave it.
  const stores = storeHarness(kind);
  let dir: string | undefined;
  let edit: (statement: string) => Promise<void>;
  beforeEach(async () => {
    if (kind === 'sqlite') {
      dir = mkdtempSync(join(tmpdir(), 'store-approve-'));
      const file = join(dir, 'store.db');
      store = await openSqliteStore({ path: file, now: () => new Date(), bootstrapActor: ADMIN });
      edit = async (statement) => {
        const raw = new Database(file);
        raw.prepare(statement).run();
        raw.close();
      };
    } else {
      store = await stores.open();
      const { schema } = stores.location();
      edit = async (statement) => void (await stores.admin(`set session_replication_role = replica; set search_path = ${schema}; ${statement}`));
    }
    await heldAtB();
  });
  afterEach(async () => {
    if (dir === undefined) return;
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  async function expectRefused(reason: RegExp): Promise<void> {
    const slot = await store.getSlot(acme);
    const audit = await store.audit({});
    const refused = store.approveDrift(acme, ADMIN, admin);
    await expect(refused).rejects.toBeInstanceOf(HeldDriftStaleError);
    await expect(refused).rejects.toMatchObject({ code: 'HELD_DRIFT_STALE', exitCode: 2, project: 'acme', message: expect.stringMatching(reason) });
    expect(await store.getSlot(acme)).toEqual(slot);
    expect(await store.audit({})).toEqual(audit);
  }

  it('refuses one held for another generation, saying which', async () => {
    await edit('update projects set generation = generation + 1');
    const generation = (await store.getSlot(acme))?.generation ?? 0;
    await expectRefused(new RegExp(`^the drift held for project "acme" can no longer be approved: the project changed since the drift was held \\(generation ${generation - 1}, now ${generation}\\)$`));
  });

  it('refuses one beside a slot that is no longer verified', async () => {
    await edit("update projects set status = 'pending', digest = null, pin_kind = null, warnings = '[]', inventory = null");
    await expectRefused(/its image is pending, no longer verified$/);
  });
});
