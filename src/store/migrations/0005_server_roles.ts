import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

// Frozen: the permission rule, enforced by a PostgreSQL server. SQLite has no server and no
// authenticated user: the migration is recorded there and does nothing.

/** Every table of the schema as 0004 left it. */
const TABLES = ['projects', 'global_default', 'validation_runs', 'audit_log', 'operators', 'smoke_results', 'contracts', 'contract_assignments', 'policies', 'held_drifts'];

export async function up(db: Kysely<unknown>, dialect: StoreDialect = 'sqlite'): Promise<void> {
  if (dialect !== 'postgres') return;
  // Every function below resolves names in pg_catalog, then the store's schema, and the session's
  // temporary schema last: left implicit, pg_temp is searched FIRST for tables, so any role could
  // shadow `operators` or `policies` with a temporary table of its own and pass the guard.
  const schema = await currentSchema(db);
  const path = sql.raw(`pg_catalog, ${quoteIdent(schema)}, pg_temp`);
  // The repository a reference names, normalized as Docker does (docker.io, library/), and whether
  // a pin fits it: what an operator may record for a slot is a digest of the slot's own reference.
  await sql`
    create function repository_of(reference text) returns text language plpgsql immutable set search_path = ${path} as $$
    declare
      name text := regexp_replace(regexp_replace(reference, '@.*$', ''), ':[^/:]*$', '');
      first text := split_part(name, '/', 1);
    begin
      if position('/' in name) = 0 then
        return 'docker.io/library/' || name;
      end if;
      if position('.' in first) = 0 and position(':' in first) = 0 and first <> 'localhost' then
        name := 'docker.io/' || name;
        first := 'docker.io';
      end if;
      if first = 'index.docker.io' then
        name := 'docker.io' || substr(name, length(first) + 1);
        first := 'docker.io';
      end if;
      if first = 'docker.io' and position('/' in substr(name, length(first) + 2)) = 0 then
        name := 'docker.io/library/' || substr(name, length(first) + 2);
      end if;
      return name;
    end $$`.execute(db);
  await sql`
    create function pin_fits(reference text, pin text, pin_kind text, allow_local integer) returns boolean
    language sql immutable set search_path = ${path} as $$
      select pin is null
        or (pin_kind = 'local' and allow_local = 1 and pin ~ '^sha256:[0-9a-f]{64}$')
        or (pin_kind = 'registry' and reference is not null
            and split_part(pin, '@', 1) = repository_of(reference)
            and split_part(pin, '@', 2) ~ '^sha256:[0-9a-f]{64}$'
            and (position('@' in reference) = 0 or split_part(pin, '@', 2) = split_part(reference, '@', 2)))
    $$`.execute(db);
  // A scope's drift policy as the lifecycle resolves it (src/lifecycle/policies.ts): its own, else the default's.
  await sql`
    create function drift_policy_of(scope text) returns text language sql stable set search_path = ${path} as $$
      select coalesce((select p.drift from policies p where p.scope = drift_policy_of.scope),
                      (select p.drift from policies p where p.scope = '(default)'))
    $$`.execute(db);
  // The rule of src/lifecycle/authorization.ts, for every row any role writes, whatever client it
  // uses: a superadmin changes anything; an operator (viewer) only records validations (runs, the
  // verdict of a slot's own reference — a re-pin only where drift is not held —, the smoke cache,
  // held drifts of the slot's own reference at its generation, audit rows in its own name);
  // anyone else writes nothing. The actor is the authenticated role (current_user). Each table's
  // columns are read only in its own branch: plpgsql cannot read a field a row does not have.
  // A write passes only when `allowed` is true: an unknown (NULL) answer refuses it.
  await sql`
    create function guard_write() returns trigger language plpgsql set search_path = ${path} as $$
    declare
      role text := (select o.role from operators o where o.actor = current_user);
      allowed boolean := false;
      scope text;
      same_key boolean;
      slot_reference text;
      slot_local integer;
      slot_generation integer;
    begin
      if role = 'superadmin' then
        allowed := true;
      elsif role is null then
        -- Creating the store: its owner writes the first operator (and that grant's audit row) into an empty table.
        allowed := not exists (select 1 from operators)
          and current_user = (select pg_get_userbyid(c.relowner) from pg_class c where c.oid = tg_relid);
        if allowed is not true then
          raise exception 'role % is not an operator of this cascade-image store: it may only read', current_user
            using errcode = 'CIOPR', hint = 'a superadmin grants roles with: cascade-image operators grant ' || current_user || ' --role viewer';
        end if;
      elsif tg_table_name in ('validation_runs', 'smoke_results') then
        allowed := tg_op in ('INSERT', 'UPDATE');
      elsif tg_table_name = 'held_drifts' then
        if tg_op = 'DELETE' then
          allowed := true;
        else
          -- What a run found for the slot's own reference, at the slot's generation: what approve would pin.
          if new.scope = '(default)' then
            select g.worker_image, g.allow_local, g.generation into slot_reference, slot_local, slot_generation from global_default g;
          else
            select p.worker_image, p.allow_local, p.generation into slot_reference, slot_local, slot_generation from projects p where p.id = new.scope;
          end if;
          allowed := new.reference = slot_reference
            and new.generation = slot_generation
            and pin_fits(slot_reference, new.digest, new.pin_kind, slot_local);
        end if;
      elsif tg_table_name in ('projects', 'global_default') then
        if tg_op = 'UPDATE' then
          if tg_table_name = 'projects' then
            scope := old.id;
            same_key := new.id = old.id;
          else
            scope := '(default)';
            same_key := new.slot = old.slot;
          end if;
          -- Under a hold policy a pinned digest moves only by a superadmin's approval.
          allowed := same_key
            and new.worker_image is not distinct from old.worker_image
            and not (old.digest is not null and new.digest is not null and new.digest <> old.digest and drift_policy_of(scope) is not distinct from 'hold')
            and new.allow_local = old.allow_local
            and new.generation = old.generation
            and new.created_at = old.created_at
            and new.updated_at = old.updated_at
            and ((new.digest is not distinct from old.digest and new.pin_kind is not distinct from old.pin_kind)
                 or pin_fits(new.worker_image, new.digest, new.pin_kind, new.allow_local));
        end if;
      elsif tg_table_name = 'audit_log' then
        if tg_op = 'INSERT' then
          allowed := new.actor = current_user and (new.event like 'validation\\_%' or new.event = 'drift_held');
        end if;
      end if;
      if allowed is not true then
        raise exception 'role % is a viewer of this cascade-image store: it may re-validate, not change %', current_user, tg_table_name
          using errcode = 'CIVWR', hint = 'a superadmin makes the change, or grants the role with: cascade-image operators grant ' || current_user || ' --role superadmin';
      end if;
      if tg_op = 'DELETE' then
        return old;
      end if;
      return new;
    end $$`.execute(db);
  for (const table of TABLES) {
    await sql`create trigger ${sql.raw(`${table}_guard`)} before insert or update or delete on ${sql.table(table)} for each row execute function guard_write()`.execute(db);
  }
  // The triggers are the gate: any role that may connect reads, and may try to write.
  const id = sql.id(schema);
  await sql`grant usage on schema ${id} to public`.execute(db);
  await sql`grant select, insert, update, delete on all tables in schema ${id} to public`.execute(db);
  await sql`revoke insert, update, delete on cascade_schema_migrations from public`.execute(db);
  await sql`grant usage on all sequences in schema ${id} to public`.execute(db);
}

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

async function currentSchema(db: Kysely<unknown>): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (schema === undefined || schema === null) throw new Error('no current schema to grant on');
  return schema;
}
