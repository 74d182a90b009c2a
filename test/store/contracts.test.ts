import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson, contractHash } from '../../src/checks/contract-hash.js';
import { WORKER_CONTRACT } from '../../src/checks/worker-contract.js';
import { DEFAULT_SUBJECT, projectSubject, type CheckContract } from '../../src/domain/index.js';
import { ForbiddenError, ProjectNotFoundError, StoreUnavailableError } from '../../src/errors.js';
import { permit } from '../../src/lifecycle/authorization.js';
import type { ContractToSet, StorePort } from '../../src/ports/store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { ADMIN, memoryStore, STORE_KINDS, storeHarness } from '../support/store.js';

const acme = projectSubject('acme');
const beta = projectSubject('beta');
const REF = 'registry.test/acme/worker:1';

/** A contract as the lifecycle hands it over: resolved, hashed, with the file it came from. */
function given(contract: CheckContract, sourceText: string | null = `name: ${contract.name}\n`): ContractToSet {
  return { hash: contractHash(contract), contract, sourceText };
}
const WORKER = given(WORKER_CONTRACT, null);
const STRICT = given({ ...WORKER_CONTRACT, name: 'strict', softFailures: 'warn' });

let store: StorePort;

const admin = permit('change', ADMIN);
const create = (subject = acme) => store.changeSlot({ subject, reference: REF, allowLocal: false, actor: ADMIN, create: true, event: 'project_worker_image_changed' }, admin);
const contractEvents = async () => (await store.audit({})).filter((entry) => entry.event.startsWith('contract_'));

describe.each(STORE_KINDS)('on %s', (kind) => {
  const stores = storeHarness(kind);
  beforeEach(async () => {
    store = await stores.open();
  });

  describe('setContract', () => {
    it('assigns a new contract to a project, storing it by hash with its text, and audits who did it', async () => {
      await create();
      expect(await store.setContract(acme, STRICT, ADMIN, admin)).toEqual({ before: null, after: STRICT.hash, changed: true });
      const { projects } = await store.contractAssignments();
      expect(projects.get('acme')).toEqual({ hash: STRICT.hash, contract: STRICT.contract, sourceText: 'name: strict\n', setBy: ADMIN, setAt: expect.any(String) });
      expect(await contractEvents()).toMatchObject([
        { event: 'contract_set', actor: ADMIN, project: 'acme', from: null, to: STRICT.hash, detail: { fromContract: null, toContract: STRICT.hash } },
      ]);
    });

    it('the same hash again writes nothing and says so', async () => {
      await create();
      await store.setContract(acme, STRICT, ADMIN, admin);
      const before = await store.audit({});
      expect(await store.setContract(acme, { ...STRICT, sourceText: 'another file, same meaning' }, ADMIN, admin)).toEqual({ before: STRICT.hash, after: STRICT.hash, changed: false });
      expect(await store.audit({})).toEqual(before);
      expect((await store.contractByHash(STRICT.hash))?.sourceText).toBe('name: strict\n');
    });

    it('clears an assignment, keeping the contract for history; clearing nothing is unchanged', async () => {
      await store.setContract(DEFAULT_SUBJECT, WORKER, ADMIN, admin);
      expect(await store.setContract(DEFAULT_SUBJECT, null, ADMIN, admin)).toEqual({ before: WORKER.hash, after: null, changed: true });
      expect(await store.setContract(DEFAULT_SUBJECT, null, ADMIN, admin)).toEqual({ before: null, after: null, changed: false });
      expect((await store.contractAssignments()).default).toBeUndefined();
      expect(await store.contractByHash(WORKER.hash)).toMatchObject({ hash: WORKER.hash, contract: WORKER_CONTRACT, sourceText: null, setBy: null, setAt: null });
      expect(await contractEvents()).toMatchObject([
        { event: 'contract_cleared', project: null, from: WORKER.hash, to: null, detail: { fromContract: WORKER.hash, toContract: null } },
        { event: 'contract_set', project: null, from: null, to: WORKER.hash, detail: { fromContract: null, toContract: WORKER.hash } },
      ]);
    });

    it('refuses a project that does not exist, writing nothing', async () => {
      const refused = store.setContract(projectSubject('ghost'), STRICT, ADMIN, admin);
      await expect(refused).rejects.toBeInstanceOf(ProjectNotFoundError);
      await expect(refused).rejects.toMatchObject({ project: 'ghost' });
      expect(await store.contractByHash(STRICT.hash)).toBeUndefined();
      expect(await contractEvents()).toEqual([]);
    });

    it('is a superadmin change: a viewer is refused and nothing is written', async () => {
      await create();
      await store.setOperator('victor', 'viewer', admin);
      const before = await store.audit({});
      const victor = await stores.as('victor');
      for (const scope of [acme, DEFAULT_SUBJECT]) {
        await expect(victor.setContract(scope, STRICT, 'victor', permit('change', 'victor'))).rejects.toBeInstanceOf(ForbiddenError);
      }
      expect(await store.contractByHash(STRICT.hash)).toBeUndefined();
      expect(await store.contractAssignments()).toEqual({ default: undefined, projects: new Map() });
      expect(await store.audit({})).toEqual(before);
    });

    it('refuses a hash that is not the hash of its contract', async () => {
      await expect(store.setContract(DEFAULT_SUBJECT, { ...STRICT, hash: WORKER.hash }, ADMIN, admin)).rejects.toThrow(/does not match/);
      expect(await store.contractByHash(WORKER.hash)).toBeUndefined();
    });

    it("keeps each scope's history in the audit log, newest first", async () => {
      await create();
      await store.setContract(acme, WORKER, ADMIN, admin);
      await store.setContract(acme, STRICT, ADMIN, admin);
      await store.setContract(acme, null, ADMIN, admin);
      const history = (await store.audit({ project: 'acme' })).filter((entry) => entry.event.startsWith('contract_'));
      expect(history.map((entry) => [entry.event, entry.detail])).toEqual([
        ['contract_cleared', { fromContract: STRICT.hash, toContract: null }],
        ['contract_set', { fromContract: WORKER.hash, toContract: STRICT.hash }],
        ['contract_set', { fromContract: null, toContract: WORKER.hash }],
      ]);
      // Every contract in that history can still be shown.
      for (const entry of history) {
        const hash = entry.detail?.fromContract;
        if (typeof hash === 'string') expect(await store.contractByHash(hash)).toMatchObject({ hash });
      }
    });
  });

  describe('contractAssignments', () => {
    it('reads the default and every project at once, reusing one row per contract', async () => {
      await create(acme);
      await create(beta);
      await store.setContract(DEFAULT_SUBJECT, WORKER, ADMIN, admin);
      await store.setContract(acme, STRICT, ADMIN, admin);
      await store.setContract(beta, STRICT, 'alice', admin);
      await store.setContract(beta, WORKER, ADMIN, admin);
      const { default: fallback, projects } = await store.contractAssignments();
      expect(fallback).toMatchObject({ hash: WORKER.hash, contract: WORKER_CONTRACT, setBy: ADMIN });
      expect([...projects].map(([project, stored]) => [project, stored.hash])).toEqual([
        ['acme', STRICT.hash],
        ['beta', WORKER.hash],
      ]);
      expect(projects.get('acme')?.contract).toEqual(STRICT.contract);
    });

    it('is empty on a new store', async () => {
      expect(await store.contractAssignments()).toEqual({ default: undefined, projects: new Map() });
    });

    it("deleting a project removes its assignment, not the contract or another scope's", async () => {
      await create(acme);
      await store.setContract(acme, STRICT, ADMIN, admin);
      await store.setContract(DEFAULT_SUBJECT, STRICT, ADMIN, admin);
      await store.deleteProject('acme', true, admin);
      const { default: fallback, projects } = await store.contractAssignments();
      expect(projects.size).toBe(0);
      expect(fallback?.hash).toBe(STRICT.hash);
      // A project made again under the same name starts without one.
      await create(acme);
      expect((await store.contractAssignments()).projects.has('acme')).toBe(false);
    });
  });
});

// The SQLite file itself: what a tool other than cascade-image can leave in it.
describe('on sqlite, in the file', () => {
  beforeEach(async () => {
    store = await memoryStore();
  });
  afterEach(async () => store.close());

  describe('stored contracts that do not read back', () => {
    let dir: string;
    let file: string;
    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'store-contracts-'));
      file = join(dir, 'store.db');
      const fileStore = await openSqliteStore({ path: file, now: () => new Date(), bootstrapActor: ADMIN });
      await fileStore.setContract(DEFAULT_SUBJECT, STRICT, ADMIN, admin);
      await fileStore.close();
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    /** Edits the file as something other than cascade-image would: the sqlite3 shell, foreign keys off. */
    function tamper(statement: string): void {
      const raw = new Database(file);
      raw.pragma('foreign_keys = OFF');
      raw.prepare(statement).run();
      raw.close();
    }

    async function refusal(read: (store: StorePort) => Promise<unknown>): Promise<unknown> {
      const fileStore = await openSqliteStore({ path: file, now: () => new Date() });
      try {
        return await read(fileStore).then(() => undefined, (error: unknown) => error);
      } finally {
        await fileStore.close();
      }
    }

    function expectDamage(error: unknown, what: RegExp): void {
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', exitCode: 69, hint: expect.stringMatching(/backup/) });
      expect((error as Error).message).toContain(`the store ${file} is damaged: `);
      expect((error as Error).message).toMatch(what);
    }

    it('a document that is not JSON is damage, for both reads', async () => {
      tamper("update contracts set document = '{\"name\": \"strict\", '");
      expectDamage(await refusal((s) => s.contractAssignments()), new RegExp(`the document of contract ${STRICT.hash} is not valid JSON`));
      expectDamage(await refusal((s) => s.contractByHash(STRICT.hash)), /is not valid JSON/);
    });

    it('a document that is JSON but not a contract is damage', async () => {
      tamper(`update contracts set document = '${canonicalJson({ name: 'strict', checks: 'none' })}'`);
      expectDamage(await refusal((s) => s.contractAssignments()), /the document of contract \w+ is not what cascade-image stores there/);
    });

    it('an assignment whose contract row is missing is damage, not a missing assignment', async () => {
      tamper('delete from contracts');
      expectDamage(await refusal((s) => s.contractAssignments()), new RegExp(`the contract ${STRICT.hash} assigned to \\(default\\) is missing`));
    });
  });
});
