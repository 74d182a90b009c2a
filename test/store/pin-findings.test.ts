// A slot's warnings and inventory describe its pinned digest: they follow the pin finishRun stores,
// and go when the reference changes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SUBJECT, projectSubject, type Inventory, type InventoryChange, type Subject, type ValidationVerdict } from '../../src/domain/index.js';
import { StoreUnavailableError } from '../../src/errors.js';
import type { Permit, RunFinish, StorePort } from '../../src/ports/store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { ADMIN, memoryStore, STORE_KINDS, storeHarness } from '../support/store.js';

const acme = projectSubject('acme');
const REF = 'registry.test/acme/worker:1';
const pin = (c: string) => `registry.test/acme/worker@sha256:${c.repeat(64)}`;
const allow: Permit = { actor: ADMIN, check: () => undefined };

const NODE_20: Inventory = [{ check: 'node', tool: 'node', version: 'v20.11.1', path: '/usr/local/bin/node' }];
const NODE_22: Inventory = [{ check: 'node', tool: 'node', version: 'v22.3.0', path: '/usr/local/bin/node' }];
const verified = (digest: string, warnings: string[] = []): ValidationVerdict => ({ status: 'verified', digest, pinKind: 'registry', warnings });
const failed: ValidationVerdict = { status: 'failed', reason: 'hard checks failed: git --version', cause: 'checks-failed' };

let store: StorePort;
let runs = 0;

async function change(subject: Subject = acme, reference = REF) {
  return (await store.changeSlot({ subject, reference, allowLocal: false, actor: ADMIN, create: true, event: 'e' }, allow)).after;
}

/** Begins and finishes a run on the slot's current generation (or the one given). */
async function finish(fields: Partial<RunFinish> & Pick<RunFinish, 'verdict' | 'outcome'>, subject: Subject = acme): Promise<'stored' | 'stale'> {
  const slot = await store.getSlot(subject);
  const runId = `run-${(runs += 1)}`;
  const generation = fields.generation ?? slot?.generation ?? 1;
  await store.beginRun({ runId, subject, generation, reference: REF, owner: { pid: 1, host: 'h' }, leaseMs: 1000 }, allow);
  return store.finishRun({ runId, subject, generation, reference: REF, actor: ADMIN, contractHash: 'h', durationMs: 5, checks: undefined, ...fields });
}

describe.each(STORE_KINDS)('on %s', (kind) => {
  const stores = storeHarness(kind);
  beforeEach(async () => {
    store = await stores.open();
  });

  describe('finishRun: the slot takes the warnings and inventory of the pin it stores', () => {
    it('a verified run (its own pin): the verdict’s warnings and the run’s inventory', async () => {
      await change();
      await finish({ verdict: verified(pin('a'), ['soft check failed: python --version']), outcome: 'verified', inventory: NODE_20 });
      expect(await store.getSlot(acme)).toMatchObject({ status: 'verified', digest: pin('a'), warnings: ['soft check failed: python --version'], inventory: NODE_20 });
    });

    it('a verified run that reports no inventory stores none', async () => {
      await change();
      await finish({ verdict: verified(pin('a')), outcome: 'verified' });
      expect(await store.getSlot(acme)).toMatchObject({ warnings: [], inventory: null });
    });

    it('a drift that passed re-pins, and with it replaces warnings and inventory', async () => {
      await change();
      await finish({ verdict: verified(pin('a'), ['w']), outcome: 'verified', inventory: NODE_20 });
      await finish({ verdict: verified(pin('b')), outcome: 'drifted', inventory: NODE_22 });
      expect(await store.getSlot(acme)).toMatchObject({ digest: pin('b'), warnings: [], inventory: NODE_22 });
    });

    it('a kept pin (a finding given) keeps its warnings and inventory', async () => {
      await change();
      await finish({ verdict: verified(pin('a'), ['w']), outcome: 'verified', inventory: NODE_20 });
      await finish({ verdict: verified(pin('a')), finding: failed, outcome: 'drift-failed', inventory: NODE_22, testedPin: pin('b') });
      expect(await store.getSlot(acme)).toMatchObject({ status: 'verified', digest: pin('a'), warnings: ['w'], inventory: NODE_20 });
    });

    it('a failed run clears them', async () => {
      await change();
      await finish({ verdict: verified(pin('a'), ['w']), outcome: 'verified', inventory: NODE_20 });
      await finish({ verdict: failed, outcome: 'contract-changed', inventory: NODE_22 });
      expect(await store.getSlot(acme)).toMatchObject({ status: 'failed', digest: null, warnings: [], inventory: null });
    });

    it('a stale run leaves the slot alone', async () => {
      await change();
      const stale = await store.getSlot(acme);
      await change(acme, 'registry.test/acme/worker:2');
      expect(await finish({ verdict: verified(pin('a'), ['w']), outcome: 'verified', inventory: NODE_20, generation: stale?.generation ?? 1 })).toBe('stale');
      expect(await store.getSlot(acme)).toMatchObject({ status: 'pending', warnings: [], inventory: null });
    });

    it('keeps the global default apart', async () => {
      await change(DEFAULT_SUBJECT);
      await finish({ verdict: verified(pin('d'), ['w']), outcome: 'verified', inventory: NODE_20 }, DEFAULT_SUBJECT);
      expect(await store.getSlot(DEFAULT_SUBJECT)).toMatchObject({ warnings: ['w'], inventory: NODE_20 });
      expect(await store.getSlot(acme)).toBeUndefined();
    });
  });

  describe('changeSlot', () => {
    it('a new reference forgets the old pin’s warnings and inventory', async () => {
      await change();
      await finish({ verdict: verified(pin('a'), ['w']), outcome: 'verified', inventory: NODE_20 });
      expect(await change(acme, 'registry.test/acme/worker:2')).toMatchObject({ status: 'pending', warnings: [], inventory: null });
    });

    it('a new slot starts with none', async () => {
      expect(await change()).toMatchObject({ warnings: [], inventory: null });
    });
  });

  describe('finishRun: the audit detail the lifecycle adds', () => {
    const changes: InventoryChange[] = [{ tool: 'node', change: 'changed', from: NODE_20[0]!, to: NODE_22[0]! }];

    it('is merged into the run’s audit row (a drift), without overriding the store’s own fields', async () => {
      await change();
      await finish({ verdict: verified(pin('a')), outcome: 'verified', inventory: NODE_20 });
      await finish({ verdict: verified(pin('b')), outcome: 'drifted', inventory: NODE_22, auditDetail: { inventoryChanges: changes, outcome: 'forged' } });
      const [entry] = await store.audit({ project: 'acme' });
      expect(entry).toMatchObject({ event: 'validation_verified', to: pin('b'), detail: { inventoryChanges: changes, outcome: 'drifted', runId: `run-${runs}` } });
    });

    it('goes with a failed drift’s row too', async () => {
      await change();
      await finish({ verdict: verified(pin('a')), outcome: 'verified', inventory: NODE_20 });
      await finish({ verdict: verified(pin('a')), finding: failed, outcome: 'drift-failed', inventory: NODE_22, auditDetail: { inventoryChanges: changes } });
      const [entry] = await store.audit({ project: 'acme' });
      expect(entry).toMatchObject({ event: 'validation_failed', detail: { inventoryChanges: changes, keptPin: pin('a') } });
    });

    it('an unchanged re-validation writes no audit row, so none is added', async () => {
      await change();
      await finish({ verdict: verified(pin('a')), outcome: 'verified' });
      const before = await store.audit({});
      await finish({ verdict: verified(pin('a')), outcome: 'unchanged', inventory: NODE_20, auditDetail: { inventoryChanges: [] } });
      expect(await store.audit({})).toEqual(before);
      expect(await store.getSlot(acme)).toMatchObject({ inventory: NODE_20 });
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
    let file: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'store-findings-'));
      file = join(dir, 'store.db');
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('each run keeps the inventory it found, whatever the slot kept', async () => {
      await store.close();
      store = await openSqliteStore({ path: file, now: () => new Date(), bootstrapActor: ADMIN });
      await change();
      await finish({ verdict: verified(pin('a')), outcome: 'verified', inventory: NODE_20 });
      await finish({ verdict: verified(pin('a')), finding: failed, outcome: 'drift-failed', inventory: NODE_22 });
      await finish({ verdict: failed, outcome: 'failed' });
      const raw = new Database(file, { readonly: true });
      const found = (raw.prepare('select inventory from validation_runs order by id').all() as Array<{ inventory: string | null }>).map((row) => row.inventory);
      raw.close();
      expect(found).toEqual([JSON.stringify(NODE_20), JSON.stringify(NODE_22), null]);
    });

    it('a slot whose warnings do not read back is reported as damage', async () => {
      await store.close();
      store = await openSqliteStore({ path: file, now: () => new Date(), bootstrapActor: ADMIN });
      await change();
      await finish({ verdict: verified(pin('a'), ['w']), outcome: 'verified' });
      await store.close();
      const raw = new Database(file);
      raw.prepare("update projects set warnings = '[\"w\", 3]'").run();
      raw.close();
      store = await openSqliteStore({ path: file, now: () => new Date() });
      const error = await store.getSlot(acme).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', message: `the store ${file} is damaged: the warnings column of project acme is not what cascade-image stores there` });
    });
  });
});
