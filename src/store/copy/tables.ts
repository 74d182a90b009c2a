import { sql, type Selectable } from 'kysely';
import { COPIED_TABLES, type CopiedTable, type StoreRows, type TableCounts } from '../../ports/store-copy.js';
import type { StoreDialect } from '../dialect.js';
import type { StoreSchema } from '../schema.js';
import type { Tx } from '../writes/transaction.js';

/** Reading, inserting and counting whole tables, the same kysely statements on both dialects. */

/** Each table's key, the order its rows are read in. */
const KEYS: Readonly<Record<CopiedTable, readonly string[]>> = {
  operators: ['actor'],
  contracts: ['hash'],
  projects: ['id'],
  global_default: ['slot'],
  contract_assignments: ['scope'],
  policies: ['scope'],
  held_drifts: ['scope'],
  smoke_results: ['image_id', 'contract_hash'],
  validation_runs: ['id'],
  audit_log: ['id'],
};

/** The text keys PostgreSQL orders byte-wise, as SQLite does: both stores list their rows alike. */
const TEXT_ORDER: Readonly<Record<StoreDialect, string>> = { sqlite: '', postgres: ' collate "C"' };

// The port's row types are the schema's rows, column for column: a migration that adds a column
// fails to compile here until the port names it.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type RowOf<T extends CopiedTable> = Mutable<StoreRows[T][number]>;
const sameColumns: { [T in CopiedTable]: Same<RowOf<T>, Selectable<StoreSchema[T]>> } = {
  operators: true,
  contracts: true,
  projects: true,
  global_default: true,
  contract_assignments: true,
  policies: true,
  held_drifts: true,
  smoke_results: true,
  validation_runs: true,
  audit_log: true,
};
void sameColumns;

export async function readAll(tx: Tx, dialect: StoreDialect): Promise<StoreRows> {
  const rows: Partial<Record<CopiedTable, unknown[]>> = {};
  for (const table of COPIED_TABLES) {
    const order = KEYS[table].map((key) => (key === 'id' ? key : `${key}${TEXT_ORDER[dialect]}`)).join(', ');
    rows[table] = (await sql`select * from ${sql.table(table)} order by ${sql.raw(order)}`.execute(tx)).rows;
  }
  return rows as unknown as StoreRows;
}

/** Bound parameters per statement: under SQLite's 32,766 and PostgreSQL's 65,535. */
const MAX_PARAMETERS = 30_000;

/** Inserts every row as given (explicit ids included), table by table in COPIED_TABLES order, row by row in the order given. */
export async function insertAll(tx: Tx, rows: StoreRows): Promise<void> {
  for (const table of COPIED_TABLES) {
    const list: readonly object[] = rows[table];
    const first = list[0];
    if (first === undefined) continue;
    const batch = Math.max(1, Math.floor(MAX_PARAMETERS / Object.keys(first).length));
    // The first operator goes in alone: on a server its grant is what lets the guard trigger
    // accept every later row, and a statement's rows may reach the trigger in any order.
    const chunks = table === 'operators' ? [list.slice(0, 1), ...chunked(list.slice(1), batch)] : chunked(list, batch);
    for (const chunk of chunks) if (chunk.length > 0) await tx.insertInto(table).values(chunk as never).execute();
  }
}

function chunked<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < list.length; start += size) out.push(list.slice(start, start + size));
  return out;
}

/** Rows per table; a table the store does not have (an older schema's) counts none. */
export async function countAll(tx: Tx, present: readonly string[] = COPIED_TABLES): Promise<TableCounts> {
  const counts: Record<CopiedTable, number> = Object.fromEntries(COPIED_TABLES.map((table) => [table, 0])) as Record<CopiedTable, number>;
  for (const table of COPIED_TABLES.filter((name) => present.includes(name))) {
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(tx);
    // PostgreSQL counts in bigint, which node-postgres hands over as text.
    counts[table] = Number(rows[0]?.n ?? 0);
  }
  return counts;
}

export async function appliedMigrations(tx: Tx): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from cascade_schema_migrations order by name`.execute(tx);
  return rows.map((row) => row.name);
}
