import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { StoreDialect } from '../dialect.js';

// Frozen: contracts (content-addressed, with their assignments), a verdict's warnings and the pinned digest's inventory.

export async function up(db: Kysely<unknown>, dialect: StoreDialect = 'sqlite'): Promise<void> {
  // Every contract ever set, keyed by its hash: rows are only ever added, so history can show any of them.
  await sql`
    create table contracts (
      hash text primary key,
      document text not null,
      source_text text,
      created_at text not null
    )`.execute(db);
  // scope: a project id, or '(default)', which no project id can be (they start with a letter or digit).
  // better-sqlite3 enforces the reference to contracts; a tool that does not (the sqlite3 shell) can
  // leave a dangling hash, which the reader reports as damage.
  await sql`
    create table contract_assignments (
      scope text primary key,
      hash text not null references contracts (hash),
      set_by text not null,
      set_at text not null
    )`.execute(db);
  // A deleted project takes its assignment with it, whichever path deletes it.
  if (dialect === 'postgres') {
    // The store's own tables, whatever the deleting session's search_path names (another store,
    // or a temporary table shadowing ours: pg_temp, left implicit, is searched first).
    await sql`
      create function contract_assignments_follow_projects() returns trigger language plpgsql set search_path = ${await storePath(db)} as $$
      begin
        delete from contract_assignments where scope = old.id;
        return old;
      end $$`.execute(db);
    await sql`create trigger contract_assignments_follow_projects after delete on projects for each row execute function contract_assignments_follow_projects()`.execute(db);
  } else {
    await sql`
      create trigger contract_assignments_follow_projects after delete on projects
      begin delete from contract_assignments where scope = old.id; end`.execute(db);
  }
  for (const table of ['projects', 'global_default']) {
    // Warnings and an inventory belong to a verified pin only, as the digest does (0001's check).
    await sql`alter table ${sql.table(table)} add column warnings text not null default '[]' check (warnings = '[]' or status = 'verified')`.execute(db);
    await sql`alter table ${sql.table(table)} add column inventory text check (inventory is null or status = 'verified')`.execute(db);
  }
  await sql`alter table validation_runs add column inventory text`.execute(db);
}

/** pg_catalog, the schema being migrated, and the session's temporary schema last (as 0005 sets it). */
async function storePath(db: Kysely<unknown>): Promise<RawBuilder<unknown>> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (schema === undefined || schema === null) throw new Error('no current schema to migrate');
  return sql.raw(`pg_catalog, "${schema.replaceAll('"', '""')}", pg_temp`);
}
