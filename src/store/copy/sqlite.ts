import { existsSync, statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { UsageError } from '../../errors.js';
import type { CopySource, CopyTarget, TargetState } from '../../ports/store-copy.js';
import { openConnection } from '../connection.js';
import { checkStoreFile, checkWithSqlite } from '../integrity.js';
import { MIGRATION_NAMES } from '../migrations/names.js';
import type { StoreSchema } from '../schema.js';
import { translateSqliteError } from '../sqlite-errors.js';
import { openSqliteStore } from '../sqlite-store.js';
import { StoreWriter } from '../store-writer.js';
import type { Tx } from '../writes/transaction.js';
import { claimFile, type ClaimedFile } from './new-file.js';
import { WriterCopySource } from './source.js';
import { appliedMigrations, countAll } from './tables.js';
import { WriterCopyTarget } from './target.js';

/** A store file to copy from. `path` is absolute: it is what the audit rows name. */
export async function openSqliteCopySource(path: string, now: () => Date): Promise<CopySource> {
  if (!existsSync(path)) {
    throw new UsageError(`there is no store at ${path}: nothing to copy`, { hint: 'name the store to copy with --db / CASCADE_IMAGE_DB' });
  }
  // The usual open first: a damaged file, another application's database or a newer schema is
  // refused as by every command, and an older schema is migrated.
  await (await openSqliteStore({ path, now })).close();
  const database = openConnection(path);
  try {
    // The copy reads every page: the whole file is checked, not only the tables an open checks.
    checkWithSqlite(database, path);
  } catch (error) {
    database.close();
    throw error;
  }
  const db = new Kysely<StoreSchema>({ dialect: new SqliteDialect({ database }) });
  return new WriterCopySource(new StoreWriter(db, now), 'sqlite', path, identityOf(path), (error) => translateSqliteError(error, path), () => db.destroy());
}

/**
 * A store file to copy into: created when missing (and removed again, with any folder made for
 * it, when the copy does not commit), else an existing file, which the copy's plan refuses unless
 * it is an empty store.
 */
export async function openSqliteCopyTarget(path: string, now: () => Date): Promise<CopyTarget> {
  const translate = (error: unknown) => translateSqliteError(error, path);
  let file: ClaimedFile | undefined;
  let database: Database.Database | undefined;
  try {
    file = claimFile(path);
    const check = file.created ? 'none' : checkStoreFile(path, path);
    database = openConnection(path);
    if (check === 'unsure') checkWithSqlite(database, path);
    if (file.created) database.pragma('journal_mode = WAL');
  } catch (error) {
    database?.close();
    file?.undo();
    throw translate(error);
  }
  const claimed = file;
  const db = new Kysely<StoreSchema>({ dialect: new SqliteDialect({ database }) });
  const hooks = { dialect: 'sqlite' as const, inspect: (tx: Tx) => inspect(tx, path), prepare: async () => undefined, afterInsert: async () => undefined };
  const target = new WriterCopyTarget('sqlite', path, identityOf(path), new StoreWriter(db, now), hooks, translate, async () => {
    await db.destroy();
    claimed.undo();
  });
  return {
    kind: target.kind,
    shown: target.shown,
    identity: target.identity,
    fill: async (plan) => {
      const filled = await target.fill(plan);
      claimed.keep();
      return filled;
    },
    close: () => target.close(),
  };
}

/** The file itself (device and inode): a link to the source, soft or hard, is the source. */
function identityOf(path: string): string {
  const { dev, ino } = statSync(path);
  return `file:${dev}:${ino}`;
}

async function inspect(tx: Tx, path: string): Promise<TargetState> {
  const { rows } = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`.execute(tx);
  const tables = rows.map((row) => row.name);
  if (tables.length === 0) return { exists: false, schemaVersion: MIGRATION_NAMES.at(-1) ?? 'none', connectedRole: undefined };
  if (!tables.includes('cascade_schema_migrations')) {
    throw new UsageError(`the target ${path} is not a cascade-image store: it is another SQLite database (tables: ${tables.slice(0, 5).join(', ')}); nothing was copied`, {
      hint: 'copy into a new file, which the copy creates',
    });
  }
  return { exists: true, schemaVersion: (await appliedMigrations(tx)).at(-1) ?? 'none', connectedRole: undefined, counts: await countAll(tx, tables) };
}
