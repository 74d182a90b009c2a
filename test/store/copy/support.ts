// Stores for the copy tests: a store file with a row in every table (through the real store
// writes, plus a few raw values a round trip could bend), and every row of a store read back
// with plain statements of its own driver, to compare a copy with its source.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { WORKER_CONTRACT } from '../../../src/checks/index.js';
import { postgresLocation, type PostgresLocation } from '../../../src/config/store-location.js';
import { DEFAULT_SUBJECT, projectSubject, type Subject, type ValidationVerdict } from '../../../src/domain/index.js';
import { permit } from '../../../src/lifecycle/authorization.js';
import type { StorePort } from '../../../src/ports/store.js';
import { COPIED_TABLES, type CopiedTable } from '../../../src/ports/store-copy.js';
import { openSqliteStore } from '../../../src/store/sqlite-store.js';
import { assignContract, STRICTER } from '../../support/contracts.js';
import { finishOn, holdOn, NODE_20, pin, REF } from '../../support/held.js';
import { trustedKey } from '../../support/keys.js';
import { ADMIN } from '../../support/store.js';

export { ADMIN };
export const VIEWER = 'bob';
export const SECOND_ADMIN = 'carol';

/** A temp folder for one test's store files, removed by the returned function. */
export function tempFolder(): { readonly dir: string; readonly path: (name: string) => string; readonly remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'cascade-copy-'));
  return { dir, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const verified = (digest: string, warnings: string[] = []): ValidationVerdict => ({ status: 'verified', digest, pinKind: 'registry', warnings });

/** Values a copy must carry byte for byte: JSON text as typed (spacing, key order, 1.50), non-ASCII, line breaks. */
export const RAW_DETAIL = '{ "note" : "ünïcødé 🚀 \\u00e9",\n  "n": 1.50, "z": null, "a": [ ] }';
export const RAW_RESULTS = '[{"id":"node","output":"line 1\\nline 2\\ttab"}]\n';

/** Fills `store` (created by ADMIN, so she is its superadmin) with rows in every table. */
export async function seedStore(store: StorePort): Promise<void> {
  const admin = permit('change', ADMIN);
  const change = (subject: Subject, reference: string | null, create = true) =>
    store.changeSlot({ subject, reference, allowLocal: false, actor: ADMIN, create, event: subject.kind === 'project' ? 'project_worker_image_changed' : 'default_worker_image_changed' }, admin);
  await store.setOperator(VIEWER, 'viewer', admin);
  await store.setOperator(SECOND_ADMIN, 'superadmin', admin);
  const acme = projectSubject('acme');
  await change(acme, REF);
  await finishOn(store, { verdict: verified(pin('a'), ['soft check failed: python --version (not on PATH)']), outcome: 'verified', inventory: NODE_20, checks: [{ id: 'node', ok: true }] }, acme);
  await change(projectSubject('beta'), REF);
  await finishOn(store, { verdict: { status: 'failed', reason: 'hard checks failed: git --version (not on PATH)', cause: 'checks-failed' }, outcome: 'failed' }, projectSubject('beta'));
  await change(projectSubject('gamma'), REF);
  await store.beginRun({ runId: 'run-pending', subject: projectSubject('gamma'), generation: 1, reference: REF, owner: { pid: 4242, host: 'cron-host' }, leaseMs: 60_000 }, admin);
  await change(projectSubject('delta'), null);
  await change(projectSubject('gone'), null);
  await store.deleteProject('gone', true, admin);
  await change(DEFAULT_SUBJECT, REF, false);
  await finishOn(store, { verdict: verified(pin('d')), outcome: 'verified' }, DEFAULT_SUBJECT);
  const strict = await assignContract(store, ADMIN, STRICTER);
  await assignContract(store, ADMIN, { ...WORKER_CONTRACT, name: 'acme-worker', softFailures: 'warn' }, acme);
  await store.setPolicy(DEFAULT_SUBJECT, { signatures: { mode: 'enforce', keys: [trustedKey()] } }, ADMIN, admin);
  await store.setPolicy(acme, { drift: 'hold' }, ADMIN, admin);
  await holdOn(store, acme, pin('a'), pin('b'), { contractHash: strict });
  await store.saveSmoke('sha256:img1', strict, { status: 'verified', cause: null, reason: null, warnings: ['w'], results: [{ id: 'node', ok: true }] });
  await store.saveSmoke('sha256:img2', strict, { status: 'failed', cause: 'no-bash', reason: 'image has no bash', warnings: [], results: [] });
}

/** A seeded store file (closed again), with the raw values added beside what the store wrote. */
export async function seededFile(path: string): Promise<void> {
  const store = await openSqliteStore({ path, now: () => new Date(), bootstrapActor: ADMIN });
  try {
    await seedStore(store);
  } finally {
    await store.close();
  }
  const database = new Database(path);
  try {
    database
      .prepare("insert into audit_log (at, actor, project_id, event, from_ref, to_ref, detail) values ('2026-12-01T00:00:00.000Z', 'alice', 'acme', 'imported_note', null, 'x', ?)")
      .run(RAW_DETAIL);
    database
      .prepare("insert into smoke_results values ('sha256:raw', 'hash-raw', 'verified', null, null, '[]', ?, '2026-12-01T00:00:00.000Z')")
      .run(RAW_RESULTS);
  } finally {
    database.close();
  }
}

/** Each table's key, for reading rows in one order on both dialects (byte-wise on PostgreSQL, as SQLite). */
const ORDER: Record<CopiedTable, string> = {
  operators: 'actor',
  contracts: 'hash',
  projects: 'id',
  global_default: 'slot',
  contract_assignments: 'scope',
  policies: 'scope',
  held_drifts: 'scope',
  smoke_results: 'image_id, contract_hash',
  validation_runs: 'id',
  audit_log: 'id',
};

export type Dump = Record<CopiedTable, Array<Record<string, unknown>>>;

/** Every row of a store file, read with better-sqlite3 (read-only). */
export function dumpSqlite(path: string): Dump {
  const database = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return Object.fromEntries(COPIED_TABLES.map((table) => [table, database.prepare(`select * from ${table} order by ${ORDER[table]}`).all()])) as Dump;
  } finally {
    database.close();
  }
}

export function pgLocation(url: string): PostgresLocation {
  return postgresLocation(url, {}, 'nobody');
}

/** Runs SQL on a PostgreSQL store's schema (as the URL's role). */
export async function pgQuery<Row = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<Row[]> {
  const location = pgLocation(url);
  const client = new pg.Client({ connectionString: location.url, options: `-c search_path=${location.schema}` });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as Row[];
  } finally {
    await client.end();
  }
}

/** Every row of a PostgreSQL store's schema, read with node-postgres. */
export async function dumpPostgres(url: string): Promise<Dump> {
  const dump: Partial<Dump> = {};
  for (const table of COPIED_TABLES) {
    const order = ORDER[table].split(', ').map((key) => (key === 'id' ? key : `${key} collate "C"`)).join(', ');
    dump[table] = await pgQuery(url, `select * from ${table} order by ${order}`);
  }
  return dump as Dump;
}

/** Whether a schema exists in the URL's database. */
export async function schemaExists(url: string): Promise<boolean> {
  const rows = await pgQuery<{ n: string }>(url, 'select count(*) as n from pg_namespace where nspname = $1', [pgLocation(url).schema]);
  return rows[0]?.n !== '0';
}

/** The dump without the rows a copy adds: its audit rows (from `fromAuditId` on) and an operator added by it. */
export function withoutCopyRows(dump: Dump, fromAuditId: number, addedOperator?: string): Dump {
  return {
    ...dump,
    audit_log: dump.audit_log.filter((row) => Number(row.id) < fromAuditId),
    operators: dump.operators.filter((row) => row.actor !== addedOperator),
  };
}
