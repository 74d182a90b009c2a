import { accessSync, constants, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreSchemaTooNewError, StoreUnavailableError } from '../errors.js';
import type {
  AuditEntry,
  CachedSmoke,
  ImageSlot,
  OperatorRecord,
  OperatorRole,
  Subject,
  ValidationRunRecord,
} from '../domain/index.js';
import type { AuditQuery, Permit, RunFinish, RunStart, SlotChange, SlotChangeResult, StorePort } from '../ports/store.js';
import { MIGRATION_NAMES } from './migrations/names.js';
import { SqliteReader } from './sqlite-reader.js';
import { translateSqliteError } from './sqlite-errors.js';
import type { SqliteWriter } from './sqlite-writer.js';

/**
 * The addon's path, resolved directly: better-sqlite3's default lookup probes a dozen paths
 * through the `bindings` package on every start, a visible share of a `show`.
 */
function nativeBinding(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node');
  } catch {
    return undefined;
  }
}

/** How long a writer waits for another process's transaction before giving up (cron + operator share a store). */
const BUSY_TIMEOUT_MS = 15_000;

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
 * schema opens without loading kysely; one written by a newer cascade-image is refused untouched.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<StorePort> {
  const { path } = options;
  const shownPath = options.displayPath ?? path;
  let database: Database.Database | undefined;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const binding = nativeBinding();
    database = new Database(path, { timeout: BUSY_TIMEOUT_MS, ...(binding === undefined ? {} : { nativeBinding: binding }) });
    const reader = new SqliteReader(database);
    const applied = reader.appliedMigrations();
    if (applied.length === 0) refuseForeignDatabase(reader, shownPath);
    const unknown = applied.filter((name) => !MIGRATION_NAMES.includes(name));
    if (unknown.length > 0) {
      throw new StoreSchemaTooNewError(`the store ${shownPath} has schema ${unknown.at(-1)}, newer than this cascade-image understands`, {
        hint: 'upgrade cascade-image; the store was left untouched',
      });
    }
    if (path !== ':memory:') await enableWal(database);
    database.pragma('synchronous = NORMAL');
    const store = new SqliteStore(database, reader, shownPath, options.now);
    if (applied.length < MIGRATION_NAMES.length) await (await store.writer()).initialize(shownPath, options.bootstrapActor);
    return store;
  } catch (error) {
    database?.close();
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
async function enableWal(database: Database.Database): Promise<void> {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (let attempt = 1; ; attempt += 1) {
    try {
      if (database.pragma('journal_mode', { simple: true }) !== 'wal') database.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      const busy = typeof error === 'object' && error !== null && 'code' in error && String(error.code).startsWith('SQLITE_BUSY');
      if (!busy || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(10 * attempt, 100)));
    }
  }
}

class SqliteStore implements StorePort {
  private writerPromise: Promise<SqliteWriter> | undefined;

  constructor(
    private readonly database: Database.Database,
    private readonly reader: SqliteReader,
    readonly path: string,
    private readonly now: () => Date,
  ) {}

  writer(): Promise<SqliteWriter> {
    this.writerPromise ??= import('./sqlite-writer.js').then(({ SqliteWriter: Writer }) => new Writer(this.database, this.now));
    return this.writerPromise;
  }

  getSlot(subject: Subject): Promise<ImageSlot | undefined> {
    return this.read(() => this.reader.getSlot(subject));
  }
  listProjects(): Promise<readonly ImageSlot[]> {
    return this.read(() => this.reader.listProjects());
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
  schemaVersion(): Promise<string> {
    return this.read(() => this.reader.appliedMigrations().at(-1) ?? 'none');
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

  async close(): Promise<void> {
    if (this.database.open) this.database.close();
  }

  private async read<T>(fn: () => T): Promise<T> {
    try {
      return fn();
    } catch (error) {
      throw translateSqliteError(error, this.path);
    }
  }

  private async write<T>(fn: (writer: SqliteWriter) => Promise<T>): Promise<T> {
    try {
      return await fn(await this.writer());
    } catch (error) {
      throw translateSqliteError(error, this.path);
    }
  }
}
