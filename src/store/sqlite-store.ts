import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { StoreSchemaTooNewError, StoreUnavailableError } from '../errors.js';
import type {
  AuditEntry,
  CachedSmoke,
  HeldDrift,
  ImageSlot,
  SlotSummary,
  OperatorRecord,
  OperatorRole,
  PolicyAssignments,
  StoredContract,
  Subject,
  ValidationRunRecord,
} from '../domain/index.js';
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
} from '../ports/store.js';
import { BUSY_TIMEOUT_MS, closeLeavingFileAsIs, openConnection } from './connection.js';
import { checkStoreFile, checkWithSqlite, isDamage, TABLES_CHECKED_ON_OPEN } from './integrity.js';
import { MIGRATION_NAMES } from './migrations/names.js';
import { SqliteReader } from './sqlite-reader.js';
import { translateSqliteError } from './sqlite-errors.js';
import type { StoreWriter } from './store-writer.js';

export interface SqliteStoreOptions {
  readonly path: string;
  readonly now: () => Date;
  /** The actor recorded as first superadmin when this open creates the store. */
  readonly bootstrapActor?: string;
  /** The path to report in messages when `path` is a stand-in (an in-memory store for a missing file). */
  readonly displayPath?: string;
}

/**
 * Opens (creating and migrating when needed) the SQLite store. A store already at the current
 * schema opens without loading kysely; one written by a newer cascade-image, or a damaged one
 * (./integrity.ts), is refused before anything is written to it, and left as it was.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<StorePort> {
  const { path } = options;
  const shownPath = options.displayPath ?? path;
  const onDisk = path !== ':memory:';
  let database: Database.Database | undefined;
  try {
    if (onDisk) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const file = onDisk ? checkStoreFile(path, shownPath) : 'none';
    database = openConnection(path);
    const opened = database;
    const reader = new SqliteReader(database);
    const applied = reader.appliedMigrations();
    if (applied.length === 0) refuseForeignDatabase(reader, shownPath);
    const unknown = applied.filter((name) => !MIGRATION_NAMES.includes(name));
    if (unknown.length > 0) {
      throw new StoreSchemaTooNewError(`the store ${shownPath} has schema ${unknown.at(-1)}, newer than this cascade-image understands`, {
        hint: 'upgrade cascade-image; the store was left untouched',
      });
    }
    // SQLite's check of the whole file, once per process, before its first write (switching to WAL is one).
    let wholeFileChecked = !onDisk;
    const beforeFirstWrite = (): void => {
      if (wholeFileChecked) return;
      checkWithSqlite(opened, shownPath);
      wholeFileChecked = true;
    };
    if (file === 'unsure') beforeFirstWrite();
    if (onDisk) await enableWal(database, beforeFirstWrite);
    database.pragma('synchronous = NORMAL');
    const store = new SqliteStore(database, reader, path, shownPath, options.now, beforeFirstWrite);
    if (applied.length < MIGRATION_NAMES.length) {
      await (await store.writer()).initialize(shownPath, options.bootstrapActor);
    } else if (!wholeFileChecked) {
      for (const table of TABLES_CHECKED_ON_OPEN) checkWithSqlite(database, shownPath, table);
    }
    return store;
  } catch (error) {
    // Refused: not even a checkpoint of someone else's WAL goes into the file.
    if (database !== undefined) closeLeavingFileAsIs(database, path);
    throw translateSqliteError(unwritableFolder(error, path) ?? error, shownPath);
  }
}

/** A SQLite file of someone else's (tables, none of ours) is refused, never migrated into. */
function refuseForeignDatabase(reader: SqliteReader, shownPath: string): void {
  const tables = reader.tableNames();
  if (tables.length === 0) return;
  throw new StoreUnavailableError(`${shownPath} is not a cascade-image store: it is another SQLite database (tables: ${tables.slice(0, 5).join(', ')})`, {
    hint: 'point --db / CASCADE_IMAGE_DB at a cascade-image store, or at a path where one may be created',
  });
}

/**
 * SQLite reports an unwritable folder as SQLITE_CANTOPEN; the file system knows better. Returns a
 * clearer error when the folder (or the file) cannot be written, else undefined.
 */
function unwritableFolder(error: unknown, path: string): StoreUnavailableError | undefined {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  if (path === ':memory:' || !(code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_READONLY'))) return undefined;
  for (const target of [dirname(path), path]) {
    try {
      accessSync(target, constants.W_OK);
    } catch (accessError) {
      const reason = (accessError as NodeJS.ErrnoException).code ?? 'EACCES';
      if (reason === 'ENOENT') continue;
      return new StoreUnavailableError(`the store ${path} is not writable (${reason === 'EROFS' ? 'read-only file system' : reason} at ${target})`, {
        cause: error,
        hint: 'make the store folder writable, or point --db / CASCADE_IMAGE_DB elsewhere',
      });
    }
  }
  return undefined;
}

/**
 * Switches a store to WAL once. Changing the journal mode needs an exclusive lock and SQLite
 * answers SQLITE_BUSY at once instead of using the busy timeout, so two commands creating a new
 * store together would fail: retry for as long as the busy timeout allows.
 */
async function enableWal(database: Database.Database, beforeWriting: () => void): Promise<void> {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (let attempt = 1; ; attempt += 1) {
    try {
      if (database.pragma('journal_mode', { simple: true }) === 'wal') return;
      beforeWriting();
      database.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      const busy = typeof error === 'object' && error !== null && 'code' in error && String(error.code).startsWith('SQLITE_BUSY');
      if (!busy || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(10 * attempt, 100)));
    }
  }
}

class SqliteStore implements StorePort {
  private writerPromise: Promise<StoreWriter> | undefined;
  /** Set once a read or write found the file damaged: closing then leaves the file as it is. */
  private damaged = false;

  constructor(
    private readonly database: Database.Database,
    private readonly reader: SqliteReader,
    private readonly file: string,
    readonly path: string,
    private readonly now: () => Date,
    private readonly beforeFirstWrite: () => void,
  ) {}

  /** A refusal of the integrity check is kept: every later write of this process is refused too. */
  writer(): Promise<StoreWriter> {
    this.writerPromise ??= (async () => {
      this.beforeFirstWrite();
      const [{ StoreWriter: Writer }, { Kysely, SqliteDialect }] = await Promise.all([import('./store-writer.js'), import('kysely')]);
      return new Writer(new Kysely({ dialect: new SqliteDialect({ database: this.database }) }), this.now);
    })();
    return this.writerPromise;
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
    return this.read(() => this.reader.appliedMigrations().at(-1) ?? 'none');
  }
  exclusiveSmoke<T>(_imageId: string, _contractHash: string, _signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    return fn();
  }
  readonly smokeLock = 'process';
  async describe(): Promise<StoreDescription> {
    return { kind: 'sqlite', location: this.path };
  }

  changeSlot(change: SlotChange, permit: Permit): Promise<SlotChangeResult> {
    return this.write((writer) => writer.changeSlot(change, permit));
  }
  deleteProject(project: string, force: boolean, permit: Permit): Promise<ImageSlot> {
    return this.write((writer) => writer.deleteProject(project, force, permit));
  }
  beginRun(run: RunStart, permit: Permit): Promise<void> {
    return this.write((writer) => writer.beginRun(run, permit));
  }
  finishRun(finish: RunFinish): Promise<'stored' | 'stale'> {
    return this.write((writer) => writer.finishRun(finish));
  }
  saveSmoke(imageId: string, contractHash: string, result: Omit<CachedSmoke, 'testedAt'>): Promise<void> {
    return this.write((writer) => writer.saveSmoke(imageId, contractHash, result));
  }
  setOperator(actor: string, role: OperatorRole, permit: Permit): Promise<void> {
    return this.write((writer) => writer.setOperator(actor, role, permit));
  }
  removeOperator(actor: string, permit: Permit): Promise<void> {
    return this.write((writer) => writer.removeOperator(actor, permit));
  }
  setContract(scope: Subject, contract: ContractToSet | null, actor: string, permit: Permit): Promise<ContractChange> {
    return this.write((writer) => writer.setContract(scope, contract, actor, permit));
  }
  setPolicy(scope: Subject, change: PolicyChange, actor: string, permit: Permit): Promise<PolicySetResult> {
    return this.write((writer) => writer.setPolicy(scope, change, actor, permit));
  }
  approveDrift(scope: Subject, actor: string, permit: Permit): Promise<DriftApproval> {
    return this.write((writer) => writer.approveDrift(scope, actor, permit));
  }

  async close(): Promise<void> {
    if (!this.database.open) return;
    if (this.damaged) closeLeavingFileAsIs(this.database, this.file);
    else this.database.close();
  }

  private async read<T>(fn: () => T): Promise<T> {
    try {
      return fn();
    } catch (error) {
      throw this.failure(error);
    }
  }

  private async write<T>(fn: (writer: StoreWriter) => Promise<T>): Promise<T> {
    try {
      return await fn(await this.writer());
    } catch (error) {
      throw this.failure(error);
    }
  }

  private failure(error: unknown): Error {
    if (isDamage(error)) this.damaged = true;
    return translateSqliteError(error, this.path);
  }
}
