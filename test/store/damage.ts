// Real damage to a real store file, as disks, copies and crashes do it: the file cut short, a page
// zeroed, bytes of a b-tree page changed, a header overwritten. Byte-level edits only: SQLite is
// used to find a table's pages, never to make the damage.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync, truncateSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import Database from 'better-sqlite3';

export function pageSizeOf(file: string): number {
  const raw = readFileSync(file).readUInt16BE(16);
  return raw === 1 ? 65_536 : raw;
}

/** The b-tree pages of a table or index (dbstat), in file order. Run before hashing: it opens the file. */
export function pagesOf(file: string, name: string, type: 'leaf' | 'internal' = 'leaf'): number[] {
  const db = new Database(file);
  try {
    return (db.prepare('select pageno from dbstat where name = ? and pagetype = ? order by pageno').all(name, type) as Array<{ pageno: number }>).map((row) => row.pageno);
  } finally {
    db.close();
  }
}

/** Rewrites page `page` (1-based) in place. */
export function editPage(file: string, page: number, edit: (bytes: Buffer) => void): void {
  const size = pageSizeOf(file);
  const fd = openSync(file, 'r+');
  try {
    const bytes = Buffer.alloc(size);
    readSync(fd, bytes, 0, size, (page - 1) * size);
    edit(bytes);
    writeSync(fd, bytes, 0, size, (page - 1) * size);
  } finally {
    closeSync(fd);
  }
}

/** Cut inside the last page: SQLite reads the missing bytes as zeros. */
export function cutInsideLastPage(file: string): void {
  truncateSync(file, statSync(file).size - Math.floor(pageSizeOf(file) / 3));
}

/** Cut at a page boundary, `pages` pages short of what the header declares. */
export function cutWholePages(file: string, pages: number): void {
  truncateSync(file, statSync(file).size - pages * pageSizeOf(file));
}

export function zeroPage(file: string, page: number): void {
  editPage(file, page, (bytes) => bytes.fill(0));
}

/** Swaps the first two cell pointers of a table leaf page: every byte still plausible, the rowids out of order. */
export function swapFirstCells(file: string, page: number): void {
  editPage(file, page, (bytes) => {
    const first = bytes.readUInt16BE(8);
    bytes.writeUInt16BE(bytes.readUInt16BE(10), 8);
    bytes.writeUInt16BE(first, 10);
  });
}

/** Overwrites the 100-byte header from `offset` on with text. */
export function overwriteHeader(file: string, offset = 0, text = 'garbage, not a header, '.repeat(5)): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.from(text.slice(0, 100 - offset)), 0, 100 - offset, offset);
  } finally {
    closeSync(fd);
  }
}

/** The store file's hash and the names next to it (a -wal or -shm file appearing shows up here). */
export function fingerprint(file: string): { sha256: string; files: string[] } {
  return {
    sha256: createHash('sha256').update(readFileSync(file)).digest('hex'),
    files: readdirSync(dirname(file)).filter((name) => name.startsWith(basename(file))).sort(),
  };
}
