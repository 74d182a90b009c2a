import { openSync, closeSync, fstatSync, readSync } from 'node:fs';
import { UsageError } from '../errors.js';

/** Contract and key files are small; anything larger is a mistake (a binary, a log), refused before it is read. */
export const MAX_TEXT_FILE_BYTES = 1024 * 1024;

/** Reads a small UTF-8 file the operator names (`what`: 'contract file', 'key file'): exit 2 with the reason when it cannot be read. */
export function readTextFile(path: string, what: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UsageError(`${what} ${path} is not a regular file`);
    if (stat.size > MAX_TEXT_FILE_BYTES) throw new UsageError(`${what} ${path} is ${stat.size} bytes; at most ${MAX_TEXT_FILE_BYTES} are read`);
    const buffer = Buffer.alloc(stat.size);
    let read = 0;
    while (read < stat.size) {
      const n = readSync(fd, buffer, read, stat.size - read, read);
      if (n === 0) break;
      read += n;
    }
    const text = buffer.subarray(0, read).toString('utf8');
    if (text.includes('\uFFFD')) throw new UsageError(`${what} ${path} is not UTF-8 text`);
    return text;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(error)}`, {
      hint: what === 'contract file' ? 'give the path of a contract file (YAML or JSON)' : `give the path of a ${what}`,
    });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
