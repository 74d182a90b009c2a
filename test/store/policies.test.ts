// Signature and drift policies per scope: set, partly changed, cleared, refused; audited by fingerprint.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SUBJECT, projectSubject, type SignaturePolicy, type TrustedKey } from '../../src/domain/index.js';
import { ForbiddenError, ProjectNotFoundError, StoreUnavailableError } from '../../src/errors.js';
import { permit } from '../../src/lifecycle/authorization.js';
import type { StorePort } from '../../src/ports/store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { newKey, trustedKey } from '../support/keys.js';
import { ADMIN, memoryStore, STORE_KINDS, storeHarness } from '../support/store.js';

const acme = projectSubject('acme');
const beta = projectSubject('beta');
const K1 = trustedKey('ecdsa-p256');
const K2 = trustedKey('ed25519');
const K3 = trustedKey('rsa');
const enforce = (...keys: TrustedKey[]): SignaturePolicy => ({ mode: 'enforce', keys });

let store: StorePort;

const admin = permit('change', ADMIN);
const create = (subject = acme) =>
  store.changeSlot({ subject, reference: 'registry.test/acme/worker:1', allowLocal: false, actor: ADMIN, create: true, event: 'project_worker_image_changed' }, admin);
const policyEvents = async () => (await store.audit({})).filter((entry) => entry.event.startsWith('trust_') || entry.event === 'drift_policy_set');

describe.each(STORE_KINDS)('on %s', (kind) => {
  const stores = storeHarness(kind);
  beforeEach(async () => {
    store = await stores.open();
  });

  describe('setPolicy', () => {
    it('sets both policies of a project, audits each, and names keys by fingerprint only', async () => {
      await create();
      const result = await store.setPolicy(acme, { signatures: enforce(K1, K2), drift: 'hold' }, ADMIN, admin);
      const stored = { signatures: enforce(K1, K2), drift: 'hold', setBy: ADMIN, setAt: expect.any(String) };
      expect(result).toEqual({ before: undefined, after: stored, changed: true });
      expect((await store.policyAssignments()).projects.get('acme')).toEqual(stored);
      const events = await policyEvents();
      expect(events).toMatchObject([
        { event: 'drift_policy_set', actor: ADMIN, project: 'acme', from: null, to: 'hold', detail: { fromDrift: null, toDrift: 'hold' } },
        {
          event: 'trust_set',
          actor: ADMIN,
          project: 'acme',
          from: null,
          to: 'enforce',
          detail: { fromMode: null, toMode: 'enforce', fromKeys: [], toKeys: [K1.fingerprint, K2.fingerprint] },
        },
      ]);
      expect(JSON.stringify(events)).not.toContain('PUBLIC KEY');
    });

    it('the same policies again (keys in another order) write nothing and say so', async () => {
      await create();
      const first = await store.setPolicy(acme, { signatures: enforce(K1, K2), drift: 'hold' }, ADMIN, admin);
      const audit = await store.audit({});
      const again = await store.setPolicy(acme, { signatures: enforce(K2, K1), drift: 'hold' }, 'bob', admin);
      expect(again).toEqual({ before: first.after, after: first.after, changed: false });
      expect(await store.setPolicy(acme, {}, ADMIN, admin)).toMatchObject({ changed: false });
      expect(await store.audit({})).toEqual(audit);
      expect((await store.policyAssignments()).projects.get('acme')).toEqual(first.after);
    });

    it('leaves an absent field as it is: drift alone, then signatures alone', async () => {
      await store.setPolicy(DEFAULT_SUBJECT, { signatures: enforce(K1), drift: 'repin' }, ADMIN, admin);
      const drift = await store.setPolicy(DEFAULT_SUBJECT, { drift: 'hold' }, 'bob', admin);
      expect(drift.after).toEqual({ signatures: enforce(K1), drift: 'hold', setBy: 'bob', setAt: expect.any(String) });
      const trust = await store.setPolicy(DEFAULT_SUBJECT, { signatures: { mode: 'warn', keys: [K1, K3] } }, ADMIN, admin);
      expect(trust.after).toMatchObject({ signatures: { mode: 'warn', keys: [K1, K3] }, drift: 'hold', setBy: ADMIN });
      expect((await policyEvents()).slice(0, 2)).toMatchObject([
        { event: 'trust_set', project: null, from: 'enforce', to: 'warn', detail: { fromMode: 'enforce', toMode: 'warn', fromKeys: [K1.fingerprint], toKeys: [K1.fingerprint, K3.fingerprint] } },
        { event: 'drift_policy_set', actor: 'bob', project: null, from: 'repin', to: 'hold', detail: { fromDrift: 'repin', toDrift: 'hold' } },
      ]);
    });

    it('null clears a policy; a scope left with none has no row; clearing nothing is unchanged', async () => {
      await create();
      await store.setPolicy(acme, { signatures: enforce(K1), drift: 'hold' }, ADMIN, admin);
      const trust = await store.setPolicy(acme, { signatures: null }, ADMIN, admin);
      expect(trust).toMatchObject({ changed: true, after: { signatures: null, drift: 'hold' } });
      const drift = await store.setPolicy(acme, { drift: null }, ADMIN, admin);
      expect(drift).toMatchObject({ before: { signatures: null, drift: 'hold' }, after: undefined, changed: true });
      expect(await store.policyAssignments()).toEqual({ default: undefined, projects: new Map() });
      expect(await store.setPolicy(acme, { signatures: null, drift: null }, ADMIN, admin)).toEqual({ before: undefined, after: undefined, changed: false });
      expect((await policyEvents()).slice(0, 2)).toMatchObject([
        { event: 'drift_policy_set', from: 'hold', to: null, detail: { fromDrift: 'hold', toDrift: null } },
        { event: 'trust_cleared', from: 'enforce', to: null, detail: { fromMode: 'enforce', toMode: null, fromKeys: [K1.fingerprint], toKeys: [] } },
      ]);
    });

    it('refuses a project that does not exist, writing nothing', async () => {
      const refused = store.setPolicy(projectSubject('ghost'), { drift: 'hold' }, ADMIN, admin);
      await expect(refused).rejects.toBeInstanceOf(ProjectNotFoundError);
      await expect(refused).rejects.toMatchObject({ project: 'ghost' });
      expect(await store.policyAssignments()).toEqual({ default: undefined, projects: new Map() });
      expect(await policyEvents()).toEqual([]);
    });

    it('is a superadmin change: a viewer is refused and nothing is written', async () => {
      await create();
      await store.setOperator('victor', 'viewer', admin);
      const audit = await store.audit({});
      const victor = await stores.as('victor');
      for (const scope of [acme, DEFAULT_SUBJECT]) {
        await expect(victor.setPolicy(scope, { signatures: enforce(K1), drift: 'hold' }, 'victor', permit('change', 'victor'))).rejects.toBeInstanceOf(ForbiddenError);
      }
      expect(await store.policyAssignments()).toEqual({ default: undefined, projects: new Map() });
      expect(await store.audit({})).toEqual(audit);
    });

    it.each([
      ['no key at all', enforce(), /at least one trusted key/],
      ['a fingerprint that is not its key’s', enforce({ ...K1, fingerprint: K2.fingerprint }), /does not match its key/],
      ['an algorithm that is not its key’s', enforce({ ...K1, algorithm: 'rsa' }), /is ecdsa-p256, not rsa/],
      ['a private key', enforce({ ...K1, pem: newKey().privatePem }), /not one normalized public key PEM block/],
      ['a key listed twice', enforce(K1, K1), /listed twice/],
      ['text that is not a key', enforce({ ...K1, pem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' }), /./],
    ])('refuses a signature policy with %s, writing nothing', async (_what, signatures, reason) => {
      await expect(store.setPolicy(DEFAULT_SUBJECT, { signatures, drift: 'hold' }, ADMIN, admin)).rejects.toThrow(reason);
      expect(await store.policyAssignments()).toEqual({ default: undefined, projects: new Map() });
      expect(await policyEvents()).toEqual([]);
    });

    it('stores a key’s three fields and nothing else a caller’s object carries', async () => {
      const { trusted, privatePem } = newKey();
      await store.setPolicy(DEFAULT_SUBJECT, { signatures: enforce({ ...trusted, privatePem } as TrustedKey) }, ADMIN, admin);
      expect((await store.policyAssignments()).default?.signatures?.keys).toEqual([trusted]);
      expect(JSON.stringify(await store.audit({}))).not.toContain('PRIVATE');
    });
  });

  describe('policyAssignments', () => {
    it('reads the default and every project at once', async () => {
      await create(acme);
      await create(beta);
      await store.setPolicy(DEFAULT_SUBJECT, { signatures: enforce(K1) }, ADMIN, admin);
      await store.setPolicy(beta, { drift: 'hold' }, ADMIN, admin);
      await store.setPolicy(acme, { signatures: { mode: 'warn', keys: [K2] } }, ADMIN, admin);
      const { default: fallback, projects } = await store.policyAssignments();
      expect(fallback).toMatchObject({ signatures: enforce(K1), drift: null });
      expect([...projects].map(([project, policy]) => [project, policy.signatures?.mode ?? null, policy.drift])).toEqual([
        ['acme', 'warn', null],
        ['beta', null, 'hold'],
      ]);
    });

    it("deleting a project removes its policies, not the default's", async () => {
      await create(acme);
      await store.setPolicy(acme, { drift: 'hold' }, ADMIN, admin);
      await store.setPolicy(DEFAULT_SUBJECT, { drift: 'repin' }, ADMIN, admin);
      await store.deleteProject('acme', true, admin);
      const { default: fallback, projects } = await store.policyAssignments();
      expect(projects.size).toBe(0);
      expect(fallback?.drift).toBe('repin');
      // A project made again under the same name starts without any.
      await create(acme);
      expect((await store.policyAssignments()).projects.has('acme')).toBe(false);
    });
  });
});

// The SQLite file itself: what a tool other than cascade-image can leave in it.
describe('on sqlite, in the file', () => {
  beforeEach(async () => {
    store = await memoryStore();
  });
  afterEach(async () => store.close());

  describe('stored keys that do not read back', () => {
    let dir: string;
    let file: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'store-policies-'));
      file = join(dir, 'store.db');
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('are reported as damage', async () => {
      const fileStore = await openSqliteStore({ path: file, now: () => new Date(), bootstrapActor: ADMIN });
      await fileStore.setPolicy(DEFAULT_SUBJECT, { signatures: enforce(K1) }, ADMIN, admin);
      await fileStore.close();
      const raw = new Database(file);
      raw.prepare(`update policies set keys = '[{"pem": 1}]'`).run();
      raw.close();
      const reopened = await openSqliteStore({ path: file, now: () => new Date() });
      try {
        const error = await reopened.policyAssignments().catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as Error).message).toBe(`the store ${file} is damaged: the keys column of the policies of (default) is not what cascade-image stores there`);
      } finally {
        await reopened.close();
      }
    });
  });
});
