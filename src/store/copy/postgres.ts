import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { PostgresLocation } from '../../config/store-location.js';
import { StoreUnavailableError, UsageError } from '../../errors.js';
import type { CopySource, CopyTarget, TargetState } from '../../ports/store-copy.js';
import { MIGRATION_NAMES } from '../migrations/names.js';
import { translatePgError } from '../postgres/errors.js';
import { openPostgresStore, WRITE_LOCK_CLASS } from '../postgres/postgres-store.js';
import type { StoreSchema } from '../schema.js';
import { StoreWriter } from '../store-writer.js';
import type { BeginWrite, Tx } from '../writes/transaction.js';
import { WriterCopySource } from './source.js';
import { appliedMigrations, countAll } from './tables.js';
import { WriterCopyTarget } from './target.js';

/** As the store's own (src/store/postgres/), but a copy reads and writes whole tables, and the source's transaction waits, idle, while the target fills. */
const STATEMENT_TIMEOUT_MS = 10 * 60_000;
const IDLE_IN_TRANSACTION_MS = 30 * 60_000;
const LOCK_TIMEOUT_MS = 15_000;
const CONNECT_TIMEOUT_MS = 10_000;

/** What messages and audit rows name: the server without its password, and the schema. */
const shownPostgres = (location: PostgresLocation): string => `${location.shown} (schema ${location.schema})`;
/** Whichever role connects: one schema of one database on one server is one store. */
const identityOf = (location: PostgresLocation): string => `postgres://${location.host}/${location.database}#${location.schema}`;

function connect(location: PostgresLocation, now: () => Date): { db: Kysely<StoreSchema>; writer: StoreWriter } {
  const pool = new pg.Pool({
    connectionString: location.url,
    user: location.role,
    // One transaction at a time on each side.
    max: 1,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    lock_timeout: LOCK_TIMEOUT_MS,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
    application_name: 'cascade-image store copy',
    options: `-c search_path=${location.schema}`,
  });
  pool.on('error', () => undefined);
  // The store's own write lock: a copy and any other writer of this schema take turns.
  const begin: BeginWrite = async (conn) => {
    await sql`begin`.execute(conn);
    await sql`select pg_advisory_xact_lock(${WRITE_LOCK_CLASS}, hashtext(${location.schema}))`.execute(conn);
  };
  const db = new Kysely<StoreSchema>({ dialect: new PostgresDialect({ pool }) });
  return { db, writer: new StoreWriter(db, now, 'postgres', begin) };
}

export async function openPostgresCopySource(location: PostgresLocation, now: () => Date): Promise<CopySource> {
  const shown = shownPostgres(location);
  // The usual open first: a newer schema is refused, an older one migrated; a missing one is not created.
  const opened = await openPostgresStore({ location, now, create: false });
  if (opened === undefined) throw new UsageError(`there is no store at ${shown}: nothing to copy`, { hint: 'name the store to copy with --db / CASCADE_IMAGE_DB' });
  await opened.close();
  const { db, writer } = connect(location, now);
  return new WriterCopySource(writer, 'postgres', shown, identityOf(location), (error) => translatePgError(error, location), () => db.destroy());
}

/** A schema to copy into: created (in the copy's transaction, so a failed copy leaves none) when missing. */
export async function openPostgresCopyTarget(location: PostgresLocation, now: () => Date): Promise<CopyTarget> {
  const shown = shownPostgres(location);
  const { db, writer } = connect(location, now);
  return new WriterCopyTarget(
    'postgres',
    shown,
    identityOf(location),
    writer,
    {
      dialect: 'postgres',
      inspect: (tx) => inspect(tx, location.schema, shown),
      prepare: (tx) => createSchema(tx, location),
      // Rows went in with their own ids: the identity sequences continue after the highest.
      afterInsert: async (tx) => {
        for (const table of ['validation_runs', 'audit_log']) {
          await sql`select setval(pg_get_serial_sequence(${table}, 'id'), coalesce((select max(id) from ${sql.table(table)}), 0) + 1, false)`.execute(tx);
        }
      },
    },
    (error) => translatePgError(error, location),
    () => db.destroy(),
  );
}

/**
 * Creates the schema unless it is there (a DBA may create it for the copying role: creating one
 * needs CREATE on the database, which the server checks even for IF NOT EXISTS).
 */
async function createSchema(tx: Tx, location: PostgresLocation): Promise<void> {
  const { rows } = await sql<{ n: number }>`select 1 as n from pg_namespace where nspname = ${location.schema}`.execute(tx);
  if (rows.length > 0) return;
  try {
    await sql`create schema ${sql.id(location.schema)}`.execute(tx);
  } catch (error) {
    if (typeof error !== 'object' || error === null || !('code' in error) || error.code !== '42501') throw error;
    throw new StoreUnavailableError(`role ${location.role} may not create the schema ${location.schema} in the database ${location.database}: nothing was copied`, {
      cause: error,
      fix: `let the database's owner run: GRANT CREATE ON DATABASE ${location.database} TO ${location.role}, or create the schema for it: CREATE SCHEMA ${location.schema} AUTHORIZATION ${location.role}`,
    });
  }
}

async function inspect(tx: Tx, schema: string, shown: string): Promise<TargetState> {
  const { rows: who } = await sql<{ role: string }>`select current_user as role`.execute(tx);
  const connectedRole = who[0]?.role;
  const { rows } = await sql<{ name: string }>`select tablename as name from pg_tables where schemaname = ${schema} order by tablename`.execute(tx);
  const tables = rows.map((row) => row.name);
  if (tables.length === 0) return { exists: false, schemaVersion: MIGRATION_NAMES.at(-1) ?? 'none', connectedRole };
  if (!tables.includes('cascade_schema_migrations')) {
    throw new UsageError(`the target ${shown} is not a cascade-image store: the schema holds other tables (${tables.slice(0, 5).join(', ')}); nothing was copied`, {
      hint: 'copy into a new PostgreSQL schema (?schema=…), which the copy creates',
    });
  }
  return { exists: true, schemaVersion: (await appliedMigrations(tx)).at(-1) ?? 'none', connectedRole, counts: await countAll(tx, tables) };
}
