// A store written before policies were stored (schema 0003) opens, migrates, and keeps its data.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson, contractHash } from '../../src/checks/contract-hash.js';
import { WORKER_CONTRACT } from '../../src/checks/worker-contract.js';
import { DEFAULT_SUBJECT, projectSubject, type Inventory } from '../../src/domain/index.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { trustedKey } from '../support/keys.js';
import { ADMIN } from '../support/store.js';

const PIN = `registry.test/acme/worker@sha256:${'c'.repeat(64)}`;
const T = '2026-11-01T00:00:00.000Z';
const HASH = contractHash(WORKER_CONTRACT);
const NODE: Inventory = [{ check: 'node', tool: 'node', version: 'v20.11.1', path: '/usr/local/bin/node' }];

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-0004-'));
  file = join(dir, 'store.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A store as cascade-image left it at schema 0003: a verified project with its findings, a contract assigned, a run, an audit row. */
async function writeStoreAt0003(): Promise<void> {
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(file) }) });
  await sql`create table cascade_schema_migrations (name text primary key, applied_at text not null)`.execute(db);
  for (const name of ['0001_initial', '0002_smoke_cache', '0003_contracts']) {
    await MIGRATIONS[name]!.up(db);
    await sql`insert into cascade_schema_migrations values (${name}, ${T})`.execute(db);
  }
  await sql`insert into operators values (${ADMIN}, 'superadmin', ${ADMIN}, ${T})`.execute(db);
  await sql`insert into projects (id, worker_image, status, digest, pin_kind, allow_local, generation, created_at, updated_at, validated_at, contract_hash, warnings, inventory)
            values ('acme', 'registry.test/acme/worker:1', 'verified', ${PIN}, 'registry', 0, 3, ${T}, ${T}, ${T}, ${HASH}, '["w"]', ${JSON.stringify(NODE)})`.execute(db);
  await sql`insert into global_default (slot, worker_image, status, generation, created_at, updated_at) values ('default', 'registry.test/w:1', 'pending', 1, ${T}, ${T})`.execute(db);
  await sql`insert into contracts values (${HASH}, ${canonicalJson(WORKER_CONTRACT)}, null, ${T})`.execute(db);
  await sql`insert into contract_assignments values ('acme', ${HASH}, ${ADMIN}, ${T})`.execute(db);
  await sql`insert into validation_runs (run_id, project_id, generation, reference, owner_pid, owner_host, started_at, lease_expires_at, finished_at, outcome, digest, checks, duration_ms)
            values ('r1', 'acme', 3, 'registry.test/acme/worker:1', 1, 'h', ${T}, ${T}, ${T}, 'verified', ${PIN}, '[]', 5)`.execute(db);
  await sql`insert into audit_log (at, actor, project_id, event, from_ref, to_ref, detail) values (${T}, ${ADMIN}, 'acme', 'contract_set', null, ${HASH}, '{}')`.execute(db);
  await db.destroy();
}

describe('migration 0004_policies', () => {
  it('keeps every slot, contract, run, operator and audit row; nothing is held and no policy is set', async () => {
    await writeStoreAt0003();
    const store = await openSqliteStore({ path: file, now: () => new Date() });
    try {
      expect(await store.schemaVersion()).toBe('0005_server_roles');
      expect(await store.getSlot(projectSubject('acme'))).toMatchObject({ status: 'verified', digest: PIN, generation: 3, contractHash: HASH, warnings: ['w'], inventory: NODE, held: null });
      expect(await store.getSlot(DEFAULT_SUBJECT)).toMatchObject({ status: 'pending', held: null });
      expect((await store.contractAssignments()).projects.get('acme')).toMatchObject({ hash: HASH, setBy: ADMIN });
      expect(await store.lastRun(projectSubject('acme'))).toMatchObject({ runId: 'r1', outcome: 'verified' });
      expect(await store.operators()).toMatchObject([{ actor: ADMIN, role: 'superadmin' }]);
      expect(await store.policyAssignments()).toEqual({ default: undefined, projects: new Map() });
      expect(await store.heldDrift(projectSubject('acme'))).toBeUndefined();
      // The migration is not anyone's change: the one audit row is the one that was there.
      expect(await store.audit({})).toMatchObject([{ event: 'contract_set', to: HASH }]);
    } finally {
      await store.close();
    }
  });

  describe('the tables it makes', () => {
    let raw: Database.Database;
    const key = JSON.stringify([trustedKey()]);
    beforeEach(async () => {
      await writeStoreAt0003();
      await (await openSqliteStore({ path: file, now: () => new Date() })).close();
      raw = new Database(file);
    });
    afterEach(() => raw.close());

    const policy = (mode: string | null, keys: string | null, drift: string | null) => () =>
      raw.prepare('insert into policies values (?, ?, ?, ?, ?, ?)').run('acme', mode, keys, drift, ADMIN, T);

    it('hold a signature mode to its keys, never none, and keep no row without a policy', () => {
      expect(policy('enforce', null, null)).toThrow(/CHECK constraint failed/);
      expect(policy(null, key, 'hold')).toThrow(/CHECK constraint failed/);
      expect(policy('enforce', '[]', null)).toThrow(/CHECK constraint failed/);
      expect(policy('enforce', '{"pem": "x"}', null)).toThrow(/CHECK constraint failed/);
      expect(policy('trust-me', key, null)).toThrow(/CHECK constraint failed/);
      expect(policy(null, null, 'sometimes')).toThrow(/CHECK constraint failed/);
      expect(policy(null, null, null)).toThrow(/CHECK constraint failed/);
      expect(policy('warn', key, 'repin')).not.toThrow();
    });

    it("follow a project's deletion, leaving the default scope's rows", () => {
      policy(null, null, 'hold')();
      const held = raw.prepare(
        `insert into held_drifts (scope, reference, digest, pin_kind, generation, contract_hash, run_id, found_at) values (?, 'r:1', ?, 'registry', 3, ?, 'r2', ?)`,
      );
      held.run('acme', PIN, HASH, T);
      held.run('(default)', PIN, HASH, T);
      raw.prepare("insert into policies values ('(default)', null, null, 'hold', ?, ?)").run(ADMIN, T);
      raw.prepare("delete from projects where id = 'acme'").run();
      expect(raw.prepare('select scope from policies').all()).toEqual([{ scope: '(default)' }]);
      expect(raw.prepare('select scope from held_drifts').all()).toEqual([{ scope: '(default)' }]);
    });
  });
});
