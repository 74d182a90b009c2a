// A store written before contracts were stored (schema 0002) opens, migrates, and keeps its data.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SUBJECT, projectSubject } from '../../src/domain/index.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { MIGRATION_NAMES } from '../../src/store/migrations/names.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { ADMIN } from '../support/store.js';

const PIN = `registry.test/acme/worker@sha256:${'c'.repeat(64)}`;
const T = '2026-11-01T00:00:00.000Z';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-0003-'));
  file = join(dir, 'store.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A store as cascade-image left it at schema 0002: a verified project, a pending default, a run, an operator. */
async function writeStoreAt0002(): Promise<void> {
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(file) }) });
  await sql`create table cascade_schema_migrations (name text primary key, applied_at text not null)`.execute(db);
  for (const name of ['0001_initial', '0002_smoke_cache']) {
    await MIGRATIONS[name]!.up(db);
    await sql`insert into cascade_schema_migrations values (${name}, ${T})`.execute(db);
  }
  await sql`insert into operators values (${ADMIN}, 'superadmin', ${ADMIN}, ${T})`.execute(db);
  await sql`insert into projects (id, worker_image, status, digest, pin_kind, allow_local, generation, created_at, updated_at, validated_at, contract_hash)
            values ('acme', 'registry.test/acme/worker:1', 'verified', ${PIN}, 'registry', 0, 3, ${T}, ${T}, ${T}, 'h')`.execute(db);
  await sql`insert into global_default (slot, worker_image, status, generation, created_at, updated_at) values ('default', 'registry.test/w:1', 'pending', 1, ${T}, ${T})`.execute(db);
  await sql`insert into validation_runs (run_id, project_id, generation, reference, owner_pid, owner_host, started_at, lease_expires_at, finished_at, outcome, digest, checks, duration_ms)
            values ('r1', 'acme', 3, 'registry.test/acme/worker:1', 1, 'h', ${T}, ${T}, ${T}, 'verified', ${PIN}, '[]', 5)`.execute(db);
  await db.destroy();
}

describe('migration 0003_contracts', () => {
  it('keeps every slot, run and operator; slots start with no warnings and no inventory', async () => {
    await writeStoreAt0002();
    const store = await openSqliteStore({ path: file, now: () => new Date() });
    try {
      // Migrated all the way: 0003 and every later migration.
      expect(await store.schemaVersion()).toBe(MIGRATION_NAMES.at(-1));
      expect(await store.getSlot(projectSubject('acme'))).toMatchObject({
        status: 'verified',
        digest: PIN,
        generation: 3,
        contractHash: 'h',
        warnings: [],
        inventory: null,
      });
      expect(await store.getSlot(DEFAULT_SUBJECT)).toMatchObject({ status: 'pending', warnings: [], inventory: null });
      expect(await store.lastRun(projectSubject('acme'))).toMatchObject({ runId: 'r1', outcome: 'verified', digest: PIN });
      expect(await store.operators()).toMatchObject([{ actor: ADMIN, role: 'superadmin' }]);
      expect(await store.contractAssignments()).toEqual({ default: undefined, projects: new Map() });
    } finally {
      await store.close();
    }
    // The migration adds no operator and no audit row: it is not anyone's change.
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('select count(*) as n from audit_log').get()).toEqual({ n: 0 });
    expect(raw.prepare('select inventory from validation_runs').get()).toEqual({ inventory: null });
    raw.close();
  });

  it('holds warnings and an inventory to a verified slot, as the digest is', async () => {
    await writeStoreAt0002();
    await (await openSqliteStore({ path: file, now: () => new Date() })).close();
    const raw = new Database(file);
    try {
      expect(() => raw.prepare(`update global_default set warnings = '["w"]'`).run()).toThrow(/CHECK constraint failed/);
      expect(() => raw.prepare(`update global_default set inventory = '[]'`).run()).toThrow(/CHECK constraint failed/);
      expect(() => raw.prepare(`update projects set warnings = '["w"]', inventory = '[]'`).run()).not.toThrow();
    } finally {
      raw.close();
    }
  });
});
