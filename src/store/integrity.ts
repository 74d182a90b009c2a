import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { StoreUnavailableError } from '../errors.js';
import { DamagedContentError } from './stored-json.js';

/**
 * Is the store file whole? SQLite reads a file cut inside a page as if the missing bytes were
 * zeros, so a truncated store shows blank rows and takes writes. Two checks refuse it first:
 *
 * - `checkStoreFile`, on every open, before SQLite sees the file (so nothing, not even a -wal or
 *   -shm file, is created): the 100-byte header against the file's size. Microseconds.
 * - `checkWithSqlite`, SQLite's own `PRAGMA quick_check`: of the whole file before a process
 *   first writes (its cost grows with the file), and on open when the file check cannot tell; of
 *   only the tables whose size the operator controls (projects, the default, operators) on every
 *   other open.
 *
 * The header layout is https://www.sqlite.org/fileformat2.html#the_database_header.
 */

const HEADER_BYTES = 100;
const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
/** A WAL file this long holds no frame: its 32-byte header at most. */
const WAL_HEADER_BYTES = 32;
/** quick_check stops after this many problems: one is shown, the second says there are more. */
const PROBLEMS_LISTED = 2;
const MAX_PROBLEM_CHARS = 200;

/**
 * The tables SQLite checks on every open: what `show`, `list` and `resolve` read, whose size the
 * operator controls (contracts grow only when an operator sets one). The run history and the
 * audit log grow for ever, so the check of the whole file waits for a process's first write.
 */
export const TABLES_CHECKED_ON_OPEN = ['projects', 'global_default', 'operators', 'contract_assignments', 'contracts', 'policies', 'held_drifts'] as const;

export const DAMAGED_HINT = 'restore the store from a backup, or point --db / CASCADE_IMAGE_DB at another file; this one was left untouched';

/**
 * What the file check found:
 * - `none`: no file, an empty one (SQLite creates the store) or one we cannot read (SQLite says why);
 * - `sound`: a SQLite header, and at least as many whole pages as it declares;
 * - `unsure`: something is wrong, but a WAL or a rollback journal beside the file may hold what
 *   is missing (another process checkpointing or committing right now, or a crash SQLite will
 *   recover from): only SQLite can tell.
 */
export type FileCheck = 'none' | 'sound' | 'unsure';

/** The structural check of every open. Throws StoreUnavailableError when the file is not a whole SQLite file. */
export function checkStoreFile(path: string, shownPath: string): FileCheck {
  const first = inspectFile(path, shownPath);
  if (!(first instanceof Error)) return first;
  // A process that is between writing pages keeps its WAL (a checkpoint) or its journal (a
  // rollback-mode transaction) until it is done, and SQLite recovers from either after a crash.
  if (companionMayHoldPages(path)) return 'unsure';
  // Or it was done, and removed that file, just after we read: what we read was its work in progress.
  const second = inspectFile(path, shownPath);
  if (second instanceof Error) throw second;
  return second;
}

/** One look at the file: what it is, or the refusal to throw if nothing beside it explains the damage. */
function inspectFile(path: string, shownPath: string): 'none' | 'sound' | StoreUnavailableError {
  const header = Buffer.alloc(HEADER_BYTES);
  let size: number;
  let read: number;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 'none';
  }
  try {
    size = fstatSync(fd).size;
    read = size === 0 ? 0 : readSync(fd, header, 0, HEADER_BYTES, 0);
  } catch {
    return 'none';
  } finally {
    closeSync(fd);
  }
  if (size === 0) return 'none';

  if (read < MAGIC.length || !header.subarray(0, MAGIC.length).equals(MAGIC)) {
    return refusal(`the store ${shownPath} is not a cascade-image store or is damaged: it is not a SQLite database`, 'point --db / CASCADE_IMAGE_DB at the right file; restore the store from a backup if it was damaged');
  }
  if (read < HEADER_BYTES) return damaged(shownPath, `it was cut short (${bytes(size)}, less than a SQLite header)`);
  const pageSize = pageSizeOf(header);
  // Payload fractions: fixed by the file format; SQLite refuses any other value.
  if (pageSize === undefined || header[21] !== 64 || header[22] !== 32 || header[23] !== 32) return damaged(shownPath, 'its SQLite header is invalid');
  const mismatch = sizeMismatch(header, pageSize, size);
  return mismatch === undefined ? 'sound' : damaged(shownPath, `it was cut short (${mismatch})`);
}

/** 512…65536, a power of two; stored as 1 for 65536. */
function pageSizeOf(header: Buffer): number | undefined {
  const raw = header.readUInt16BE(16);
  const pageSize = raw === 1 ? 65_536 : raw;
  return pageSize >= 512 && (pageSize & (pageSize - 1)) === 0 ? pageSize : undefined;
}

/** Why the size cannot be right, or undefined when it can. */
function sizeMismatch(header: Buffer, pageSize: number, size: number): string | undefined {
  // SQLite only ever writes whole pages to the main file.
  if (size % pageSize !== 0) return `${bytes(size)} is not a whole number of ${pageSize}-byte pages`;
  // The in-header page count is trusted (as SQLite does) only when the version-valid-for number matches the change counter.
  const pageCount = header.readUInt32BE(28);
  const countValid = pageCount > 0 && header.readUInt32BE(24) === header.readUInt32BE(92);
  if (countValid && size < pageCount * pageSize) {
    return `${bytes(size)}; its header says ${pageCount} pages of ${pageSize} bytes, ${bytes(pageCount * pageSize)}`;
  }
  return undefined;
}

/** A WAL shorter than a frame holds none; a longer one may (or hold stale frames of an earlier cycle). */
export function walMayHoldFrames(path: string): boolean {
  return (statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0) > WAL_HEADER_BYTES;
}

function companionMayHoldPages(path: string): boolean {
  return walMayHoldFrames(path) || (statSync(`${path}-journal`, { throwIfNoEntry: false })?.size ?? 0) > 0;
}

/**
 * SQLite's own check: b-tree structure, record formats, NOT NULL and CHECK constraints, and (for
 * the whole file) the freelist and that every page is used once. `table` limits it to one table
 * and its indexes. Throws StoreUnavailableError unless SQLite answers 'ok'.
 */
export function checkWithSqlite(database: Database.Database, shownPath: string, table?: string): void {
  let problems: string[];
  try {
    const rows = database.prepare(`pragma quick_check(${table === undefined ? PROBLEMS_LISTED : `"${table}"`})`).all() as Array<{ quick_check: string }>;
    problems = rows.flatMap((row) => row.quick_check.split('\n')).filter((line) => line !== '' && !line.startsWith('*** in database'));
  } catch (error) {
    // SQLite may stop at the first page it cannot read instead of listing problems.
    if (!isDamage(error)) throw error;
    problems = [error instanceof Error ? error.message : String(error)];
  }
  if (problems.length === 1 && problems[0] === 'ok') return;
  const first = clip(problems[0] ?? 'no answer');
  const more = problems.length > 1 ? ' (and more)' : '';
  throw damaged(shownPath, `SQLite's integrity check found: ${first}${more}`);
}

/** The refusals above, so the store can tell damage from other failures without reading messages. */
const damageFound = new WeakSet<object>();

function refusal(message: string, hint: string): StoreUnavailableError {
  const error = new StoreUnavailableError(message, { hint });
  damageFound.add(error);
  return error;
}

function damaged(shownPath: string, what: string): StoreUnavailableError {
  return refusal(`the store ${shownPath} is damaged: ${what}`, DAMAGED_HINT);
}

/** Whether an error says the file is damaged: one of our refusals, a stored JSON that does not read back, or SQLite's own SQLITE_CORRUPT / SQLITE_NOTADB. */
export function isDamage(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if (damageFound.has(error) || error instanceof DamagedContentError) return true;
  const code = 'code' in error ? String(error.code) : '';
  return code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB';
}

function bytes(n: number): string {
  return `${n} bytes`;
}

function clip(text: string): string {
  return text.length <= MAX_PROBLEM_CHARS ? text : `${text.slice(0, MAX_PROBLEM_CHARS - 1)}…`;
}
