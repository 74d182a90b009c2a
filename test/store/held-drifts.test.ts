// A drift that passed under a hold policy waits beside the kept pin: stored by finishRun, replaced
// by a newer one, voided by a re-pin, a failure, a change of the slot or the project's deletion.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SUBJECT, projectSubject, type Subject, type ValidationVerdict } from '../../src/domain/index.js';
import { StoreUnavailableError } from '../../src/errors.js';
import type { StorePort } from '../../src/ports/store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { NODE_20, NODE_22, NODE_CHANGED, REF, allow, finishOn, holdOn, pin } from '../support/held.js';
import { ADMIN, memoryStore, STORE_KINDS, storeHarness } from '../support/store.js';

const acme = projectSubject('acme');
const verified = (digest: string, warnings: string[] = []): ValidationVerdict => ({ status: 'verified', digest, pinKind: 'registry', warnings });
const failed: ValidationVerdict = { status: 'failed', reason: 'hard checks failed: git --version', cause: 'checks-failed' };

let store: StorePort;

const change = async (subject: Subject = acme, reference = REF) =>
  (await store.changeSlot({ subject, reference, allowLocal: false, actor: ADMIN, create: true, event: 'e' }, allow)).after;
const finish = (fields: Parameters<typeof finishOn>[1], subject: Subject = acme) => finishOn(store, fields, subject);

/** A project verified at pin a (one warning, node 20), as a hold policy finds it. */
async function verifiedAtA(subject: Subject = acme): Promise<void> {
  await change(subject);
  await finish({ verdict: verified(pin('a'), ['w']), outcome: 'verified', inventory: NODE_20 }, subject);
}
const heldEvents = async () => (await store.audit({})).filter((entry) => entry.event === 'drift_held');

describe.each(STORE_KINDS)('on %s', (kind) => {
  const stores = storeHarness(kind);
  beforeEach(async () => {
    store = await stores.open();
  });

  describe('finishRun with a held drift', () => {
    it('stores it beside the kept pin, which keeps its own warnings and inventory', async () => {
      await verifiedAtA();
      const { stored, held } = await holdOn(store, acme, pin('a'), pin('b'));
      expect(stored).toBe('stored');
      const slot = await store.getSlot(acme);
      expect(slot).toMatchObject({ status: 'verified', digest: pin('a'), warnings: ['w'], inventory: NODE_20, held });
      expect(await store.heldDrift(acme)).toEqual(held);
      expect((await store.listProjects())[0]?.held).toEqual(held);
      // The run records what it found; the slot what it keeps.
      expect(await store.getRun(held.runId)).toMatchObject({ outcome: 'verified', digest: pin('b') });
    });

    it('audits the run (the kept pin) and the hold (from the kept pin to the held digest)', async () => {
      await verifiedAtA();
      const { held } = await holdOn(store, acme, pin('a'), pin('b'));
      const [hold, run] = await store.audit({ project: 'acme' });
      expect(hold).toEqual({
        id: expect.any(Number),
        at: expect.any(String),
        actor: ADMIN,
        project: 'acme',
        event: 'drift_held',
        from: pin('a'),
        to: pin('b'),
        detail: { inventoryChanges: NODE_CHANGED, runId: held.runId, generation: held.generation },
      });
      expect(run).toMatchObject({ event: 'validation_verified', from: REF, to: pin('a'), detail: { outcome: 'drift-held', keptPin: pin('a'), tested: pin('b'), runId: held.runId } });
    });

    it('a newer drift replaces it', async () => {
      await verifiedAtA();
      await holdOn(store, acme, pin('a'), pin('b'));
      const { held } = await holdOn(store, acme, pin('a'), pin('c'));
      expect(await store.heldDrift(acme)).toEqual(held);
      expect((await heldEvents()).map((entry) => entry.to)).toEqual([pin('c'), pin('b')]);
    });

    it('the same drift found again is not news: kept as first found, no audit row', async () => {
      await verifiedAtA();
      const { held } = await holdOn(store, acme, pin('a'), pin('b'));
      const audit = await store.audit({});
      expect((await holdOn(store, acme, pin('a'), pin('b'))).stored).toBe('stored');
      expect(await store.heldDrift(acme)).toEqual(held);
      expect(await store.audit({})).toEqual(audit);
      // Under another contract it is a new finding.
      const { held: retested } = await holdOn(store, acme, pin('a'), pin('b'), { contractHash: 'h2' });
      expect(await store.heldDrift(acme)).toEqual(retested);
    });

    it.each([
      ['a re-pin (a drift that passed without a hold)', { verdict: verified(pin('d')), outcome: 'drifted' as const }, pin('d')],
      ['a re-validation that finds the kept pin again', { verdict: verified(pin('a')), outcome: 'unchanged' as const }, pin('a')],
      ['a failure', { verdict: failed, outcome: 'contract-changed' as const }, null],
    ])('%s removes it, and says so in the audit log', async (_what, fields, digest) => {
      await verifiedAtA();
      await holdOn(store, acme, pin('a'), pin('b'));
      await finish(fields);
      expect(await store.heldDrift(acme)).toBeUndefined();
      expect(await store.getSlot(acme)).toMatchObject({ digest, held: null });
      expect((await store.audit({ project: 'acme' }))[0]).toMatchObject({ event: `validation_${fields.verdict.status}`, detail: { outcome: fields.outcome, droppedHeld: pin('b') } });
    });

    it('a run that keeps the pin for another reason (a drift that failed) leaves it waiting', async () => {
      await verifiedAtA();
      const { held } = await holdOn(store, acme, pin('a'), pin('b'));
      await finish({ verdict: verified(pin('a')), finding: failed, outcome: 'drift-failed', testedPin: pin('c') });
      expect(await store.heldDrift(acme)).toEqual(held);
    });

    it('a stale run stores none', async () => {
      await verifiedAtA();
      const old = (await store.getSlot(acme))?.generation ?? 0;
      await change(acme, 'registry.test/acme/worker:2');
      expect((await holdOn(store, acme, pin('a'), pin('b'), { generation: old })).stored).toBe('stale');
      expect(await store.heldDrift(acme)).toBeUndefined();
      expect(await heldEvents()).toEqual([]);
      expect((await store.audit({ project: 'acme' }))[0]).toMatchObject({ event: 'validation_stale' });
    });

    it('refuses a held drift that does not go with a drift-held run keeping its pin, storing nothing', async () => {
      await verifiedAtA();
      const generation = (await store.getSlot(acme))?.generation ?? 0;
      const audit = await store.audit({});
      const held = { digest: pin('b'), pinKind: 'registry' as const, generation, contractHash: 'h', warnings: [], inventory: NODE_22, inventoryChanges: NODE_CHANGED, runId: 'x', foundAt: 't' };
      const misuse = { runId: 'x', subject: acme, generation, reference: REF, actor: ADMIN, contractHash: 'h', durationMs: 1, checks: undefined, held };
      await expect(store.finishRun({ ...misuse, verdict: verified(pin('b')), outcome: 'drifted' })).rejects.toThrow(/drift-held/);
      await expect(store.finishRun({ ...misuse, verdict: failed, outcome: 'drift-held' })).rejects.toThrow(/drift-held/);
      await expect(store.finishRun({ ...misuse, verdict: verified(pin('a')), outcome: 'drift-held', held: { ...held, generation: generation - 1 } })).rejects.toThrow(/generation/);
      expect(await store.heldDrift(acme)).toBeUndefined();
      expect(await store.audit({})).toEqual(audit);
    });

    it('keeps the global default apart', async () => {
      await verifiedAtA(DEFAULT_SUBJECT);
      await verifiedAtA(acme);
      const { held } = await holdOn(store, DEFAULT_SUBJECT, pin('a'), pin('e'));
      expect(await store.getSlot(DEFAULT_SUBJECT)).toMatchObject({ digest: pin('a'), held });
      expect(await store.getSlot(acme)).toMatchObject({ held: null });
      expect(await store.heldDrift(acme)).toBeUndefined();
      expect((await heldEvents())[0]).toMatchObject({ project: null, to: pin('e') });
    });
  });

  describe('changeSlot and deleteProject', () => {
    it('a change of the slot voids the held drift, recorded with the change', async () => {
      await verifiedAtA();
      await holdOn(store, acme, pin('a'), pin('b'));
      expect(await change(acme, 'registry.test/acme/worker:2')).toMatchObject({ status: 'pending', held: null });
      expect(await store.heldDrift(acme)).toBeUndefined();
      expect((await store.audit({ project: 'acme' }))[0]).toMatchObject({ event: 'e', detail: { droppedHeld: pin('b') } });
    });

    it("deleting the project takes its held drift with it, not the default's", async () => {
      await verifiedAtA(DEFAULT_SUBJECT);
      await holdOn(store, DEFAULT_SUBJECT, pin('a'), pin('e'));
      await verifiedAtA();
      await holdOn(store, acme, pin('a'), pin('b'));
      await store.deleteProject('acme', true, allow);
      expect(await store.heldDrift(acme)).toBeUndefined();
      expect(await store.heldDrift(DEFAULT_SUBJECT)).toMatchObject({ digest: pin('e') });
      expect(await change()).toMatchObject({ held: null });
    });
  });
});

// The SQLite file itself: what a tool other than cascade-image can leave in it.
describe('on sqlite, in the file', () => {
  beforeEach(async () => {
    store = await memoryStore();
  });
  afterEach(async () => store.close());

  describe('in the file', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'store-held-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('a held drift whose findings do not read back is damage, for the slot reads too', async () => {
      const file = join(dir, 'store.db');
      await store.close();
      store = await openSqliteStore({ path: file, now: () => new Date(), bootstrapActor: ADMIN });
      await verifiedAtA();
      await holdOn(store, acme, pin('a'), pin('b'));
      await store.close();
      const raw = new Database(file);
      raw.prepare(`update held_drifts set inventory_changes = '[{"tool": "node", "change": "changed"}]'`).run();
      raw.close();
      store = await openSqliteStore({ path: file, now: () => new Date() });
      for (const read of [() => store.getSlot(acme), () => store.listProjects(), () => store.heldDrift(acme)]) {
        const error = await read().catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as Error).message).toBe(`the store ${file} is damaged: the inventory_changes column of the drift held for acme is not what cascade-image stores there`);
      }
    });
  });
});
