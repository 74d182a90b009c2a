import { sql, type Kysely } from 'kysely';
import { StoreSchemaTooNewError } from '../errors.js';
import type { StoreDialect } from './dialect.js';
import { MIGRATIONS } from './migrations/index.js';

const TABLE = 'cascade_schema_migrations';

/**
 * Applies the in-code migrations inside the caller's write transaction. A store that records a
 * migration this build does not know was written by a newer cascade-image: refuse it untouched.
 * Returns whether the store was new (had no migrations at all).
 */
export async function migrate(conn: Kysely<unknown>, path: string, now: string, dialect: StoreDialect = 'sqlite'): Promise<{ created: boolean }> {
  await sql`create table if not exists ${sql.table(TABLE)} (name text primary key, applied_at text not null)`.execute(conn);
  const applied = await sql<{ name: string }>`select name from ${sql.table(TABLE)} order by name`.execute(conn);
  const known = new Set(Object.keys(MIGRATIONS));
  const unknown = applied.rows.map((row) => row.name).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new StoreSchemaTooNewError(
      `the store ${path} has schema ${unknown.at(-1)}, newer than this cascade-image understands`,
      { hint: 'upgrade cascade-image; the store was left untouched' },
    );
  }
  const done = new Set(applied.rows.map((row) => row.name));
  for (const [name, migration] of Object.entries(MIGRATIONS)) {
    if (done.has(name)) continue;
    await migration.up(conn, dialect);
    await sql`insert into ${sql.table(TABLE)} (name, applied_at) values (${name}, ${now})`.execute(conn);
  }
  return { created: done.size === 0 };
}
