// A deleted project takes its contract assignment, policies and held drift with it "whichever path
// deletes it" (migrations 0003, 0004): on a server that includes a superadmin's own SQL session,
// whose search_path is its own business and may name another store of the same database.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { WORKER_CONTRACT } from '../../../src/checks/worker-contract.js';
import { contractHash } from '../../../src/checks/contract-hash.js';
import { projectSubject } from '../../../src/domain/index.js';
import { permit } from '../../../src/lifecycle/authorization.js';
import type { StorePort } from '../../../src/ports/store.js';
import { finishOn, holdOn, pin, REF } from '../../support/held.js';
import { ADMIN, storeHarness } from '../../support/store.js';

const acme = projectSubject('acme');
const admin = permit('change', ADMIN);

describe('a project deleted by SQL of its own', () => {
  const stores = storeHarness('postgres');

  /** acme with a contract, a hold policy and a held drift. */
  async function furnished(store: StorePort): Promise<void> {
    await store.changeSlot({ subject: acme, reference: REF, allowLocal: false, actor: ADMIN, create: true, event: 'e' }, admin);
    await store.setContract(acme, { hash: contractHash(WORKER_CONTRACT), contract: WORKER_CONTRACT, sourceText: null }, ADMIN, admin);
    await store.setPolicy(acme, { drift: 'hold' }, ADMIN, admin);
    await finishOn(store, { verdict: { status: 'verified', digest: pin('a'), pinKind: 'registry', warnings: [] }, outcome: 'verified' }, acme);
    await holdOn(store, acme, pin('a'), pin('b'));
  }

  async function scopeRows(store: StorePort) {
    return { contract: (await store.contractAssignments()).projects.has('acme'), policy: (await store.policyAssignments()).projects.has('acme'), held: (await store.heldDrift(acme)) !== undefined };
  }

  it("takes the project's rows with it, and nothing of another store its session's search_path names", async () => {
    const other = await stores.open();
    await furnished(other);
    const otherSchema = stores.location().schema;
    const store = await stores.open();
    await furnished(store);
    const { schema } = stores.location();

    // alice (a superadmin of both), in psql, with the other store first in her search_path.
    await asAlice(`-c search_path=${otherSchema}`, [`delete from "${schema}".projects where id = 'acme'`]);

    expect(await store.getSlot(acme)).toBeUndefined();
    expect(await scopeRows(store)).toEqual({ contract: false, policy: false, held: false });
    expect(await scopeRows(other)).toEqual({ contract: true, policy: true, held: true });
  });

  it('takes them from the store, not from temporary tables of the same names', async () => {
    const store = await stores.open();
    await furnished(store);
    const { schema } = stores.location();
    const shadows = ['contract_assignments', 'policies', 'held_drifts'].map((table) => `create temporary table ${table} (like "${schema}".${table})`);
    await asAlice(`-c search_path=${schema}`, [...shadows, `delete from "${schema}".projects where id = 'acme'`]);
    expect(await scopeRows(store)).toEqual({ contract: false, policy: false, held: false });
  });

  /** Runs statements in a session of alice's own (not the store's), with the startup options given. */
  async function asAlice(options: string, statements: readonly string[]): Promise<void> {
    const session = new pg.Client({ connectionString: stores.location().url.replace(/([?&])options=[^&]*/, '$1'), options: `-c role=${ADMIN} ${options}` });
    await session.connect();
    try {
      for (const statement of statements) await session.query(statement);
    } finally {
      await session.end();
    }
  }
});
