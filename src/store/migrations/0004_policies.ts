import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { StoreDialect } from '../dialect.js';

// Frozen: each scope's signature and drift policies, and the drift a hold policy keeps waiting for approval.

export async function up(db: Kysely<unknown>, dialect: StoreDialect = 'sqlite'): Promise<void> {
  const keysAreAList =
    dialect === 'postgres'
      ? sql`check (keys is null or (jsonb_typeof(keys::jsonb) = 'array' and jsonb_array_length(keys::jsonb) > 0))`
      : sql`check (keys is null or (json_valid(keys) and json_type(keys) = 'array' and json_array_length(keys) > 0))`;
  // scope: a project id, or '(default)' (as in contract_assignments). A null policy inherits.
  await sql`
    create table policies (
      scope text primary key,
      signature_mode text check (signature_mode in ('enforce', 'warn')),
      -- JSON array of trusted keys ({pem, fingerprint, algorithm}).
      keys text,
      drift text check (drift in ('repin', 'hold')),
      set_by text not null,
      set_at text not null,
      -- A signature policy is a mode with at least one key: trusting no key would pin nothing, or warn on everything.
      check ((signature_mode is null) = (keys is null)),
      ${keysAreAList},
      -- A scope with no policy left has no row.
      check (signature_mode is not null or drift is not null)
    )`.execute(db);
  // One drift held per scope, for the slot generation it was found in; a newer one replaces it.
  await sql`
    create table held_drifts (
      scope text primary key,
      reference text not null,
      digest text not null,
      pin_kind text not null check (pin_kind in ('registry', 'local')),
      generation integer not null,
      contract_hash text not null,
      warnings text not null default '[]',
      inventory text,
      inventory_changes text not null default '[]',
      run_id text not null,
      found_at text not null
    )`.execute(db);
  // A deleted project takes its policies and its held drift with it, whichever path deletes it.
  if (dialect === 'postgres') {
    // The store's own tables, whatever the deleting session's search_path names (another store,
    // or a temporary table shadowing ours: pg_temp, left implicit, is searched first).
    await sql`
      create function scope_rows_follow_projects() returns trigger language plpgsql set search_path = ${await storePath(db)} as $$
      begin
        delete from policies where scope = old.id;
        delete from held_drifts where scope = old.id;
        return old;
      end $$`.execute(db);
    await sql`create trigger scope_rows_follow_projects after delete on projects for each row execute function scope_rows_follow_projects()`.execute(db);
    return;
  }
  await sql`
    create trigger policies_follow_projects after delete on projects
    begin delete from policies where scope = old.id; end`.execute(db);
  await sql`
    create trigger held_drifts_follow_projects after delete on projects
    begin delete from held_drifts where scope = old.id; end`.execute(db);
}

/** pg_catalog, the schema being migrated, and the session's temporary schema last (as 0005 sets it). */
async function storePath(db: Kysely<unknown>): Promise<RawBuilder<unknown>> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (schema === undefined || schema === null) throw new Error('no current schema to migrate');
  return sql.raw(`pg_catalog, "${schema.replaceAll('"', '""')}", pg_temp`);
}
