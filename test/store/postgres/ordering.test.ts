// `list`, `operators` and the per-project maps read in the same order on every store: SQLite's,
// byte by byte. A PostgreSQL database orders text by its collation unless told otherwise; this
// one is en-US (ICU), where 'a' comes before 'B' and '_' before '-', as many servers are set up.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WORKER_CONTRACT } from '../../../src/checks/worker-contract.js';
import { contractHash } from '../../../src/checks/contract-hash.js';
import { projectSubject } from '../../../src/domain/index.js';
import { permit } from '../../../src/lifecycle/authorization.js';
import type { StorePort } from '../../../src/ports/store.js';
import { adminQuery, postgresAvailable, urlFor } from '../../support/postgres.js';
import { ADMIN, STORE_KINDS, storeHarness, type TestDatabase } from '../../support/store.js';

/** Upper and lower case, digits, '-' and '_': byte order and en-US order disagree on each. */
const IDS = ['beta', 'Beta', 'alpha', 'Alpha', 'a-b', 'a_b', 'ab', 'a1', 'A1', '1a', 'a', 'B', 'z9', 'Z_9'];
/** SQLite's order: JavaScript's default sort compares UTF-16 code units, byte order for ASCII. */
const BYTEWISE = [...IDS].sort();

async function enUsDatabase(): Promise<TestDatabase> {
  const name = `ci_test_en_us_${randomBytes(4).toString('hex')}`;
  await adminQuery(`create database ${name} template template0 locale_provider icu icu_locale 'en-US'`);
  await adminQuery(`grant all on database ${name} to public`);
  return { name, url: (options) => urlFor(name, options), drop: async () => void (await adminQuery(`drop database if exists ${name} with (force)`)) };
}

// Operators are roles on PostgreSQL: one per id, this run's own, dropped after.
const ROLE_PREFIX = `h1_ord_${randomBytes(3).toString('hex')}_`;
const roleNames = IDS.map((id) => `${ROLE_PREFIX}${id}`);
const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;
const rolesWanted = postgresAvailable();
beforeAll(async () => {
  if (!rolesWanted) return;
  for (const role of roleNames) await adminQuery(`create role ${quoted(role)} nologin`);
}, 60_000);
afterAll(async () => {
  if (!rolesWanted) return;
  for (const role of roleNames) await adminQuery(`drop role if exists ${quoted(role)}`);
}, 60_000);

describe.each(STORE_KINDS)('on %s', (kind) => {
  const stores = storeHarness(kind, { database: enUsDatabase });
  let store: StorePort;
  const admin = permit('change', ADMIN);
  beforeEach(async () => {
    store = await stores.open();
    // Created out of order, so the store's order is its own.
    for (const id of [...IDS].reverse()) {
      await store.changeSlot({ subject: projectSubject(id), reference: `registry.test/${id.toLowerCase()}/worker:1`, allowLocal: false, actor: ADMIN, create: true, event: 'e' }, admin);
    }
  });

  if (kind === 'postgres') {
    it('the en-US database itself orders these ids otherwise', async () => {
      const rows = await stores.admin<{ id: string }>('select id from unnest($1::text[]) as id order by id', [IDS]);
      expect(rows.map((row) => row.id)).not.toEqual(BYTEWISE);
    });
  }

  it('lists projects, and the pending ones, byte-wise by id', async () => {
    expect((await store.listProjects()).map((slot) => (slot.subject.kind === 'project' ? slot.subject.project : null))).toEqual(BYTEWISE);
    expect((await store.pendingSlots()).map(({ slot }) => (slot.subject.kind === 'project' ? slot.subject.project : null))).toEqual(BYTEWISE);
  });

  it('lists operators byte-wise', async () => {
    for (const role of [...roleNames].reverse()) await store.setOperator(role, 'viewer', admin);
    const actors = (await store.operators()).map((operator) => operator.actor).filter((actor) => actor.startsWith(ROLE_PREFIX));
    expect(actors).toEqual(BYTEWISE.map((id) => `${ROLE_PREFIX}${id}`));
  });

  it('reads contract and policy assignments byte-wise by project', async () => {
    const hash = contractHash(WORKER_CONTRACT);
    for (const id of IDS) {
      await store.setContract(projectSubject(id), { hash, contract: WORKER_CONTRACT, sourceText: null }, ADMIN, admin);
      await store.setPolicy(projectSubject(id), { drift: 'hold' }, ADMIN, admin);
    }
    expect([...(await store.contractAssignments()).projects.keys()]).toEqual(BYTEWISE);
    expect([...(await store.policyAssignments()).projects.keys()]).toEqual(BYTEWISE);
  });

  it('filters the audit log from `since` as text, byte-wise', async () => {
    const entries = await store.audit({});
    const middle = entries[Math.floor(entries.length / 2)]?.at ?? '';
    const expected = entries.filter((entry) => entry.at >= middle);
    expect(await store.audit({ since: middle })).toEqual(expected);
    // Cut short, and in lower case: a prefix orders before what it starts; 't' after 'T' in bytes.
    expect(await store.audit({ since: middle.slice(0, 10) })).toEqual(entries.filter((entry) => entry.at >= middle.slice(0, 10)));
    expect(await store.audit({ since: middle.slice(0, 10) + 't' })).toEqual(entries.filter((entry) => entry.at >= `${middle.slice(0, 10)}t`));
  });
});

