import { writeSync } from 'node:fs';

/** A probe's output: its lines on stdout, in one write. */
export function printLines(lines: readonly string[]): void {
  writeSync(1, `${lines.join('\n')}\n`);
}
