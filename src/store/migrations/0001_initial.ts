import { sql, type Kysely } from 'kysely';

// Frozen: this migration describes the schema as it was first released. Never edit it; add a new one.

const slotColumns = sql.raw(`
  worker_image text,
  status text check (status in ('pending', 'verified', 'failed')),
  digest text,
  pin_kind text check (pin_kind in ('registry', 'local')),
  error text,
  allow_local integer not null default 0,
  generation integer not null default 0,
  created_at text not null,
  updated_at text not null,
  validated_at text,
  -- A verified slot always has its pinned digest; any other state never keeps one.
  check ((status = 'verified') = (digest is not null))
`);

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table projects (id text primary key, ${slotColumns})`.execute(db);
  await sql`create table global_default (slot text primary key check (slot = 'default'), ${slotColumns})`.execute(db);
  await sql`
    create table validation_runs (
      id integer primary key autoincrement,
      run_id text not null unique,
      project_id text,
      generation integer not null,
      reference text not null,
      owner_pid integer not null,
      owner_host text not null,
      started_at text not null,
      lease_expires_at text not null,
      finished_at text,
      outcome text check (outcome in ('verified', 'failed', 'stale')),
      digest text,
      error text,
      checks text,
      duration_ms integer
    )`.execute(db);
  await sql`create index validation_runs_by_project on validation_runs (project_id, id)`.execute(db);
  await sql`
    create table audit_log (
      id integer primary key autoincrement,
      at text not null,
      actor text not null,
      project_id text,
      event text not null,
      from_ref text,
      to_ref text,
      detail text
    )`.execute(db);
  await sql`create index audit_log_by_project on audit_log (project_id, id)`.execute(db);
  // The audit log is append-only: the store itself refuses edits, not just the CLI.
  await sql`create trigger audit_log_no_update before update on audit_log begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
  await sql`create trigger audit_log_no_delete before delete on audit_log begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
  await sql`
    create table operators (
      actor text primary key,
      role text not null check (role in ('superadmin', 'viewer')),
      granted_by text not null,
      granted_at text not null
    )`.execute(db);
}
