import { closeSync, mkdirSync, openSync, rmdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

/** A store file a copy creates, and undoes while it has not committed. */
export interface ClaimedFile {
  /** Whether this copy created the file (it did not exist). */
  readonly created: boolean;
  /** Removes the file, its companions and the folders made for it; once the copy committed, nothing. */
  undo(): void;
  /** The copy committed: the file stays. */
  keep(): void;
}

/**
 * Creates the file exclusively (one another process creates meanwhile is an existing target,
 * never overwritten), with its folder (mode 0700, as the store's own) when missing.
 */
export function claimFile(path: string): ClaimedFile {
  const madeFolder = mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(path, 'wx'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { created: false, undo: () => undefined, keep: () => undefined };
  }
  let pending = true;
  return {
    created: true,
    keep: () => {
      pending = false;
    },
    undo: () => {
      if (!pending) return;
      pending = false;
      for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) rmSync(file, { force: true });
      // Innermost first, each only while empty.
      for (let folder = dirname(path); madeFolder !== undefined && folder.startsWith(madeFolder); folder = dirname(folder)) {
        try {
          rmdirSync(folder);
        } catch {
          break;
        }
      }
    },
  };
}
