import { CascadeError, StoreUnavailableError } from '../errors.js';
import { DAMAGED_HINT } from './integrity.js';
import { DamagedContentError } from './stored-json.js';

/** The one place that reads better-sqlite3's error codes; everything else sees StoreUnavailableError. */
export function translateSqliteError(error: unknown, path: string): CascadeError {
  if (error instanceof CascadeError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const message = error instanceof Error ? error.message : String(error);
  const where = path === ':memory:' ? 'the in-memory store' : `the store ${path}`;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new StoreUnavailableError(`${where} stayed locked by another cascade-image process`, {
      cause: error,
      hint: 'retry in a moment; if it persists, look for a stuck process holding the store open',
    });
  }
  if (code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY_') || code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return new StoreUnavailableError(`${where} is not writable (${code || message})`, {
      cause: error,
      hint: 'check the permissions of the store file and its folder, or point --db / CASCADE_IMAGE_DB elsewhere',
    });
  }
  if (code === 'EEXIST' || code === 'ENOTDIR') {
    return new StoreUnavailableError(`cannot create the folder for ${where}: part of its path is a file, not a folder (${code})`, {
      cause: error,
      hint: 'point --db / CASCADE_IMAGE_DB at a path whose folders are folders',
    });
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'ENOENT') {
    return new StoreUnavailableError(`cannot open ${where} (${code})`, {
      cause: error,
      hint: 'check that the path is a file in a folder you can write, or point --db / CASCADE_IMAGE_DB elsewhere',
    });
  }
  if (error instanceof DamagedContentError) {
    return new StoreUnavailableError(`${where} is damaged: ${message}`, { cause: error, hint: DAMAGED_HINT });
  }
  if (code.startsWith('SQLITE_CORRUPT')) {
    return new StoreUnavailableError(`${where} is damaged: ${message} (${code})`, { cause: error, hint: DAMAGED_HINT });
  }
  if (code === 'SQLITE_NOTADB') {
    return new StoreUnavailableError(`${where} is not a cascade-image store or is damaged (${code})`, {
      cause: error,
      hint: 'point --db at the right file; restore the store from a backup if it was damaged',
    });
  }
  if (code.startsWith('SQLITE_')) {
    return new StoreUnavailableError(`${where} failed: ${message} (${code})`, { cause: error });
  }
  return new StoreUnavailableError(`${where} failed: ${message}`, { cause: error });
}
