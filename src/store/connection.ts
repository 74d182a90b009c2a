import { createRequire } from 'node:module';
import Database from 'better-sqlite3';
import { walMayHoldFrames } from './integrity.js';

/** How long a writer waits for another process's transaction before giving up (cron + operator share a store). */
export const BUSY_TIMEOUT_MS = 15_000;

/**
 * The addon's path, resolved directly: better-sqlite3's default lookup probes a dozen paths
 * through the `bindings` package on every start, a visible share of a `show`.
 */
function nativeBinding(): string | undefined {
  try {
    return createRequire(import.meta.filename).resolve('better-sqlite3/build/Release/better_sqlite3.node');
  } catch {
    return undefined;
  }
}

export function openConnection(path: string, options: { readonly?: boolean } = {}): Database.Database {
  const binding = nativeBinding();
  return new Database(path, {
    timeout: BUSY_TIMEOUT_MS,
    ...(options.readonly === true ? { readonly: true, fileMustExist: true } : {}),
    ...(binding === undefined ? {} : { nativeBinding: binding }),
  });
}

/**
 * Closes the connection to a store we refused, leaving the file as it is. The last connection to
 * close normally checkpoints the WAL into the main file and deletes it: a write into a file found
 * damaged. SQLite skips that while another connection reads, so a read-only one (which never
 * checkpoints itself) holds a read open across the close. Best effort: if the file cannot even
 * be opened read-only, the connection is closed as usual.
 */
export function closeLeavingFileAsIs(database: Database.Database, path: string): void {
  if (!database.open) return;
  // Without WAL frames there is nothing to checkpoint, and the close removes the -wal and -shm files it made.
  if (path === ':memory:' || !walMayHoldFrames(path)) {
    database.close();
    return;
  }
  let guard: Database.Database | undefined;
  try {
    guard = openConnection(path, { readonly: true });
    guard.exec('begin');
    guard.pragma('user_version');
  } catch {
    // The guard could not read: close without it.
  }
  try {
    database.close();
  } finally {
    guard?.close();
  }
}
