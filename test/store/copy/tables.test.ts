// The copy moves every table there is: a migration that adds one fails here until the copy knows it.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COPIED_TABLES } from '../../../src/ports/store-copy.js';
import { openPostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { openSqliteStore } from '../../../src/store/sqlite-store.js';
import { createTestDatabase, postgresAvailable } from '../../support/postgres.js';
import { pgLocation, pgQuery, tempFolder } from './support.js';

/** Creating and dropping a database can take a busy test cluster half a minute (DROP DATABASE waits for a checkpoint). */
const SERVER_HOOK_MS = 120_000;

const ours = (tables: readonly string[]) => tables.filter((table) => table !== 'cascade_schema_migrations').sort();

describe('the tables a store copy moves', () => {
  it('are every table of a new SQLite store', async () => {
    const folder = tempFolder();
    try {
      const path = folder.path('store.db');
      await (await openSqliteStore({ path, now: () => new Date() })).close();
      const database = new Database(path, { readonly: true });
      const tables = (database.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'").all() as Array<{ name: string }>).map((row) => row.name);
      database.close();
      expect(ours(tables)).toEqual([...COPIED_TABLES].sort());
    } finally {
      folder.remove();
    }
  });

  describe.runIf(postgresAvailable())('on PostgreSQL', () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    beforeAll(async () => {
      database = await createTestDatabase('copy_tables');
    }, SERVER_HOOK_MS);
    afterAll(async () => database?.drop(), SERVER_HOOK_MS);

    it('are every table of a new PostgreSQL store', async () => {
      const url = database.url({ schema: 'fresh' });
      await (await openPostgresStore({ location: pgLocation(url), now: () => new Date(), create: true }))?.close();
      const rows = await pgQuery<{ name: string }>(url, "select tablename as name from pg_tables where schemaname = 'fresh'");
      expect(ours(rows.map((row) => row.name))).toEqual([...COPIED_TABLES].sort());
    });
  });
});
