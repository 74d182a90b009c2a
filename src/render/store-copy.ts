import type { Palette } from './palette.js';
import type { CopiedTableCount, StoreCopyResult } from '../commands/store-copy.js';

/** Why a table holds more rows in the target than in the source: what the copy itself added. */
function addedText(row: CopiedTableCount, result: StoreCopyResult): string {
  if (row.added === 0) return '';
  const why = row.table === 'operators' ? `${result.addedSuperadmin?.role ?? '?'} as superadmin` : result.addedSuperadmin === null ? 'store_copied' : 'its grant, store_copied';
  return `  (+${row.added}: ${why})`;
}

/**
 * `store copied  <source> → <target>`, then a line per table with its rows in the source and as
 * counted back from the target, and the superadmin the copy added, if it added one.
 */
export function renderStoreCopy(result: StoreCopyResult, c: Palette): string[] {
  const width = Math.max(...result.tables.map((row) => row.table.length));
  const lines = [
    `store copied  ${result.source} → ${result.target}`,
    c.dim(`  ${'schema'.padEnd(width)}  ${result.schemaVersion}${result.created ? ' (target created)' : ' (target was an empty store)'}`),
    ...result.tables.map((row) => `  ${row.table.padEnd(width)}  ${row.source} → ${row.target}${addedText(row, result)}`),
  ];
  const added = result.addedSuperadmin;
  if (added !== null) {
    const was = added.was === null ? '' : ` (it was a ${added.was})`;
    lines.push(c.yellow(`${added.role}  superadmin  added to the copy${was}: on PostgreSQL only a superadmin listed in the store may change it, and the copy is written as ${added.role}`));
  }
  return lines;
}
