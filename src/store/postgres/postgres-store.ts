import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { PostgresLocation } from '../../config/store-location.js';
import type { CachedSmoke, HeldDrift, ImageSlot, OperatorRecord, OperatorRole, PolicyAssignments, SlotSummary, StoredContract, Subject, ValidationRunRecord, AuditEntry } from '../../domain/index.js';
import { StoreSchemaTooNewError, StoreUnavailableError, UsageError } from '../../errors.js';
import type {
  AuditQuery,
  ContractAssignments,
  ContractChange,
  ContractToSet,
  DriftApproval,
  Permit,
  PolicyChange,
  PolicySetResult,
  RunFinish,
  RunStart,
  SlotChange,
  SlotChangeResult,
  StoreDescription,
  StorePort,
} from '../../ports/store.js';
import { MIGRATION_NAMES } from '../migrations/names.js';
import type { StoreSchema } from '../schema.js';
import { StoreWriter } from '../store-writer.js';
import { roleOf, setOperator } from '../writes/operators.js';
import type { BeginWrite } from '../writes/transaction.js';
import { ClosingClient } from './client.js';
import { isTransient, retriesExhausted, translatePgError } from './errors.js';
import { PostgresReader, type Query } from './reader.js';
import { SmokeLocks } from './smoke-locks.js';

/** The advisory lock class of the store's write lock ('CIMG'; ./smoke-locks.ts uses the next one; ../copy/ takes it too). */
export const WRITE_LOCK_CLASS = 0x43494d47;

/** No statement runs longer, and no lock is waited for longer: a stuck server or peer never hangs a command. */
const STATEMENT_TIMEOUT_MS = 30_000;
const LOCK_TIMEOUT_MS = 15_000;
const CONNECT_TIMEOUT_MS = 10_000;
/** How long a verdict write is retried after the connection was lost (the run stays recoverable by `validate --stale` after). */
const RETRY_WINDOW_MS = 10_000;

export interface PostgresStoreOptions {
  readonly location: PostgresLocation;
  readonly now: () => Date;
  /** The actor recorded as first superadmin when this open creates the store (the connecting role). */
  readonly bootstrapActor?: string;
  /** Create (and migrate) the schema when it is missing; without, a missing store opens as `undefined`. */
  readonly create: boolean;
}

/**
 * Opens the store in a PostgreSQL schema: creating and migrating it under the store's write lock
 * (two hosts opening a new store together serialize), refusing one written by a newer
 * cascade-image, and returning `undefined` for a missing one that may not be created.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<StorePort | undefined> {
  const { location } = options;
  const pool = new pg.Pool({
    // A connection that failed is closed at once (see ./client.ts), never left to the server's timeout.
    Client: ClosingClient as unknown as new () => pg.ClientBase,
    ...clientSettings(location),
    user: location.role,
    max: 16,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 5_000,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    lock_timeout: LOCK_TIMEOUT_MS,
    idle_in_transaction_session_timeout: 60_000,
    application_name: 'cascade-image',
  });
  // A pooled connection the server closes while idle emits an error: the next checkout reconnects.
  pool.on('error', () => undefined);
  const store = new PostgresStore(pool, location, options.now);
  try {
    const present = await store.schemaPresent();
    if (present) {
      const applied = await store.reader.appliedMigrations();
      const unknown = applied.filter((name) => !MIGRATION_NAMES.includes(name));
      if (unknown.length > 0) {
        throw new StoreSchemaTooNewError(`the store ${location.shown} (schema ${location.schema}) has schema ${unknown.at(-1)}, newer than this cascade-image understands`, {
          fix: 'upgrade cascade-image on this host; the store was left untouched',
        });
      }
      if (applied.length === MIGRATION_NAMES.length) return store;
    } else if (!options.create) {
      await store.close();
      return undefined;
    }
    await store.initialize(options.bootstrapActor);
    return store;
  } catch (error) {
    await store.close();
    throw translatePgError(error, location);
  }
}

/**
 * The URL and startup options of a location's connections. node-postgres lets the URL's parameters
 * override the settings given beside it, so a URL with libpq's own `options=` (say -c
 * statement_timeout=…) would drop our search_path, and the store would be written into whatever
 * schema the role defaults to. The URL's options are kept and ours appended: the last -c wins.
 */
function clientSettings(location: PostgresLocation): { connectionString: string; options: string } {
  const url = new URL(location.url);
  const theirs = url.searchParams.get('options');
  url.searchParams.delete('options');
  const ours = `-c search_path=${location.schema}`;
  return { connectionString: url.toString(), options: theirs === null || theirs.trim() === '' ? ours : `${theirs} ${ours}` };
}

class PostgresStore implements StorePort {
  readonly path: string;
  readonly reader: PostgresReader;
  private readonly writer: StoreWriter;
  private readonly locks: SmokeLocks;

  constructor(
    private readonly pool: pg.Pool,
    private readonly location: PostgresLocation,
    now: () => Date,
  ) {
    this.path = location.shown;
    const query: Query = async <Row>(text: string, params: readonly unknown[] = []) => (await pool.query(text, params as unknown[])).rows as Row[];
    this.reader = new PostgresReader(query);
    const begin: BeginWrite = async (conn) => {
      await sql`begin`.execute(conn);
      // One writer at a time, as SQLite's BEGIN IMMEDIATE: every write's read-then-write sees the last commit.
      await sql`select pg_advisory_xact_lock(${WRITE_LOCK_CLASS}, hashtext(${location.schema}))`.execute(conn);
    };
    this.writer = new StoreWriter(new Kysely<StoreSchema>({ dialect: new PostgresDialect({ pool }) }), now, 'postgres', begin);
    this.locks = new SmokeLocks(() => new pg.Client({ ...clientSettings(location), user: location.role, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'cascade-image locks' }), location.schema);
  }

  async schemaPresent(): Promise<boolean> {
    const { rows } = await this.pool.query<{ present: boolean }>('select to_regclass($1) is not null as present', [`"${this.location.schema}".cascade_schema_migrations`]);
    return rows[0]?.present === true;
  }

  /**
   * Creates the schema (when missing) and applies the migrations it lacks, each under the write
   * lock. A schema that is there is used as it is: a DBA may make one for a role that may create
   * none, and CREATE SCHEMA IF NOT EXISTS asks for CREATE on the database even then.
   */
  async initialize(bootstrapActor: string | undefined): Promise<void> {
    const { schema, database } = this.location;
    await this.writer.transaction(async (tx) => {
      const { rows } = await sql<{ present: boolean; role: string }>`select exists (select 1 from pg_namespace where nspname = ${schema}) as present, current_user as role`.execute(tx);
      if (rows[0]?.present === true) return;
      const role = rows[0]?.role ?? this.location.role;
      try {
        await sql`create schema ${sql.id(schema)}`.execute(tx);
      } catch (error) {
        if ((error as { code?: unknown }).code !== '42501') throw error;
        throw new StoreUnavailableError(`role ${role} may not create the schema ${schema} in the database ${database}: the store ${this.path} cannot be created`, {
          cause: error,
          fix: `let the database's owner run: GRANT CREATE ON DATABASE ${database} TO ${role}, or create the schema for it: CREATE SCHEMA ${schema} AUTHORIZATION ${role}`,
        });
      }
    });
    await this.writer.initialize(this.path, bootstrapActor);
  }

  getSlot(subject: Subject): Promise<ImageSlot | undefined> {
    return this.read(() => this.reader.getSlot(subject));
  }
  listProjects(): Promise<readonly ImageSlot[]> {
    return this.read(() => this.reader.listProjects());
  }
  listSummaries(): Promise<readonly SlotSummary[]> {
    return this.read(() => this.reader.listSummaries());
  }
  lastRun(subject: Subject): Promise<ValidationRunRecord | undefined> {
    return this.read(() => this.reader.lastRun(subject));
  }
  getRun(runId: string): Promise<ValidationRunRecord | undefined> {
    return this.read(() => this.reader.getRun(runId));
  }
  pendingSlots(): Promise<ReadonlyArray<{ readonly slot: ImageSlot; readonly run: ValidationRunRecord | undefined }>> {
    return this.read(() => this.reader.pendingSlots());
  }
  audit(query: AuditQuery): Promise<readonly AuditEntry[]> {
    return this.read(() => this.reader.audit(query));
  }
  operators(): Promise<readonly OperatorRecord[]> {
    return this.read(() => this.reader.operators());
  }
  roleOf(actor: string): Promise<OperatorRole | undefined> {
    return this.read(() => this.reader.roleOf(actor));
  }
  cachedSmoke(imageId: string, contractHash: string): Promise<CachedSmoke | undefined> {
    return this.read(() => this.reader.cachedSmoke(imageId, contractHash));
  }
  contractAssignments(): Promise<ContractAssignments> {
    return this.read(() => this.reader.contractAssignments());
  }
  contractByHash(hash: string): Promise<StoredContract | undefined> {
    return this.read(() => this.reader.contractByHash(hash));
  }
  policyAssignments(): Promise<PolicyAssignments> {
    return this.read(() => this.reader.policyAssignments());
  }
  heldDrift(scope: Subject): Promise<HeldDrift | undefined> {
    return this.read(() => this.reader.heldDrift(scope));
  }
  schemaVersion(): Promise<string> {
    return this.read(async () => (await this.reader.appliedMigrations()).at(-1) ?? 'none');
  }

  changeSlot(change: SlotChange, permit: Permit): Promise<SlotChangeResult> {
    return this.write(() => this.writer.changeSlot(change, permit));
  }
  deleteProject(project: string, force: boolean, permit: Permit): Promise<ImageSlot> {
    return this.write(() => this.writer.deleteProject(project, force, permit));
  }
  beginRun(run: RunStart, permit: Permit): Promise<void> {
    return this.write(() => this.writer.beginRun(run, permit));
  }
  /** Retried while the connection is lost: finishing a run is idempotent (a run already closed is not closed again). */
  finishRun(finish: RunFinish): Promise<'stored' | 'stale'> {
    return this.write(() => this.writer.finishRun(finish), { retry: true });
  }
  saveSmoke(imageId: string, contractHash: string, result: Omit<CachedSmoke, 'testedAt'>): Promise<void> {
    return this.write(() => this.writer.saveSmoke(imageId, contractHash, result), { retry: true });
  }
  /**
   * On a server an operator is a database role: one that does not exist could never connect. That
   * is checked after the permit, inside the grant's transaction, as every write asks its permit
   * before looking at anything else (an actor who may not grant learns nothing about roles).
   */
  setOperator(actor: string, role: OperatorRole, permit: Permit): Promise<void> {
    return this.write(() =>
      this.writer.transaction(async (tx, timestamp) => {
        permit.check(await roleOf(tx, permit.actor));
        const { rows } = await sql`select 1 from pg_roles where rolname = ${actor}`.execute(tx);
        if (rows.length === 0) {
          throw new UsageError(`there is no database role ${actor} on ${this.location.host}: on PostgreSQL an operator is a role that logs in`, {
            hint: `create it first (CREATE ROLE ${actor} LOGIN PASSWORD '…'), then grant it again`,
          });
        }
        await setOperator(tx, timestamp, actor, role, permit.actor);
      }),
    );
  }
  removeOperator(actor: string, permit: Permit): Promise<void> {
    return this.write(() => this.writer.removeOperator(actor, permit));
  }
  setContract(scope: Subject, contract: ContractToSet | null, actor: string, permit: Permit): Promise<ContractChange> {
    return this.write(() => this.writer.setContract(scope, contract, actor, permit));
  }
  setPolicy(scope: Subject, change: PolicyChange, actor: string, permit: Permit): Promise<PolicySetResult> {
    return this.write(() => this.writer.setPolicy(scope, change, actor, permit));
  }
  approveDrift(scope: Subject, actor: string, permit: Permit): Promise<DriftApproval> {
    return this.write(() => this.writer.approveDrift(scope, actor, permit));
  }

  exclusiveSmoke<T>(imageId: string, contractHash: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    return this.locks.exclusive(`${imageId} ${contractHash}`, signal, fn, (error) => translatePgError(error, this.location));
  }
  readonly smokeLock = 'shared';

  describe(): Promise<StoreDescription> {
    return this.read(async () => {
      // Owning the schema or any of its tables (a DBA may make the schema, the first superadmin the
      // tables) is what lets a role disable or drop the guard triggers: both count.
      const { rows } = await this.pool.query<{ role: string; superuser: boolean; owner: boolean }>(
        `select current_user as role, (select rolsuper from pg_roles where rolname = current_user) as superuser,
                exists (select 1 from pg_namespace n where n.nspname = $1 and pg_has_role(current_user, n.nspowner, 'USAGE'))
             or exists (select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
                        where n.nspname = $1 and c.relkind = 'r' and pg_has_role(current_user, c.relowner, 'USAGE')) as owner`,
        [this.location.schema],
      );
      const row = rows[0];
      const role = row?.role ?? this.location.role;
      return {
        kind: 'postgres',
        location: this.path,
        schema: this.location.schema,
        connectedRole: role,
        operatorRole: (await this.reader.roleOf(role)) ?? null,
        serverSuperuser: row?.superuser === true,
        schemaOwner: row?.owner === true,
      };
    });
  }

  async close(): Promise<void> {
    await this.locks.close();
    await this.pool.end().catch(() => undefined);
  }

  private async read<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw translatePgError(error, this.location);
    }
  }

  private async write<T>(fn: () => Promise<T>, options: { retry?: boolean } = {}): Promise<T> {
    const started = Date.now();
    const deadline = started + RETRY_WINDOW_MS;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await fn();
      } catch (error) {
        if (options.retry !== true || !isTransient(error)) throw translatePgError(error, this.location);
        if (Date.now() >= deadline) throw retriesExhausted(error, this.location, Date.now() - started);
        await new Promise((resolve) => setTimeout(resolve, Math.min(200 * attempt, 1_000)));
      }
    }
  }
}
