// `store copy` between real SQLite store files: every table moves with its exact values, the copy is
// one transaction counted back before it commits, it is audited in both stores, and every refusal
// leaves both stores as they were.
import { existsSync, linkSync, readFileSync, symlinkSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyStore, type StoreCopyDeps } from '../../src/commands/store-copy.js';
import type { StoreLocation } from '../../src/config/store-location.js';
import { projectSubject } from '../../src/domain/index.js';
import { ForbiddenError, UsageError } from '../../src/errors.js';
import { CopyOntoItselfError, CopySchemaMismatchError, CopyTargetNotEmptyError } from '../../src/lifecycle/store-copy.js';
import { COPIED_TABLES } from '../../src/ports/store-copy.js';
import { openCopySource, openCopyTarget } from '../../src/store/copy/index.js';
import { StoreCopyMismatchError } from '../../src/store/copy/target.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { ADMIN, dumpSqlite, seededFile, tempFolder, VIEWER, withoutCopyRows } from '../store/copy/support.js';
import { neverOpened } from './support.js';

const NOW = new Date('2026-12-02T10:00:00.000Z');
const now = () => NOW;
const file = (path: string): StoreLocation => ({ kind: 'sqlite', path });

let folder: ReturnType<typeof tempFolder>;
let source: string;
beforeEach(async () => {
  folder = tempFolder();
  source = folder.path('source.db');
  await seededFile(source);
});
afterEach(() => folder.remove());

const deps = (target: string, overrides: Partial<StoreCopyDeps> = {}): StoreCopyDeps => ({
  source: () => openCopySource(file(source), now),
  target: () => openCopyTarget(file(target), now),
  actor: ADMIN,
  now,
  ...overrides,
});

/** The file's bytes, and its WAL's if there is one: proof that nothing was written. */
const bytesOf = (path: string) => [readFileSync(path), existsSync(`${path}-wal`) ? readFileSync(`${path}-wal`) : null];

/** A store without the usual bootstrap operator, at every migration or at the first `upTo` only. */
async function emptyStore(path: string, upTo?: number): Promise<void> {
  if (upTo === undefined) {
    await (await openSqliteStore({ path, now })).close();
    return;
  }
  const { Kysely, SqliteDialect, sql } = await import('kysely');
  const database = new Database(path);
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database }) });
  await sql`create table cascade_schema_migrations (name text primary key, applied_at text not null)`.execute(db);
  for (const [name, migration] of Object.entries(MIGRATIONS).slice(0, upTo)) {
    await migration.up(db, 'sqlite');
    await sql`insert into cascade_schema_migrations values (${name}, 'then')`.execute(db);
  }
  await db.destroy();
}

describe('copyStore into a new SQLite file', () => {
  it('moves every table with its exact values, ids and order, and counts each back', async () => {
    const before = dumpSqlite(source);
    const target = folder.path('new/copy.db');
    const result = await copyStore(deps(target));

    expect(result).toMatchObject({ source, target, created: true, schemaVersion: '0005_server_roles', actor: ADMIN, targetActor: ADMIN, addedSuperadmin: null });
    expect(result.tables.map((row) => row.table)).toEqual([...COPIED_TABLES]);
    for (const row of result.tables) {
      expect(row.source, row.table).toBe(before[row.table].length);
      expect(row.target, row.table).toBe(row.source + (row.table === 'audit_log' ? 1 : 0));
    }
    // Every table had rows to move.
    expect(result.tables.filter((row) => row.source === 0)).toEqual([]);

    const copied = dumpSqlite(target);
    const firstCopyRow = before.audit_log.length + 1;
    expect(withoutCopyRows(copied, Number(before.audit_log.at(-1)?.id) + 1)).toEqual(before);
    expect(copied.audit_log.at(-1)).toMatchObject({ id: firstCopyRow, actor: ADMIN, event: 'store_copied', from_ref: source, to_ref: target, at: NOW.toISOString() });
  });

  it('records the copy in both stores: one moment, who, from where to where, and the counts', async () => {
    const before = dumpSqlite(source);
    const target = folder.path('copy.db');
    await copyStore(deps(target));

    const inSource = dumpSqlite(source).audit_log;
    expect(inSource.slice(0, -1)).toEqual(before.audit_log);
    const [sourceRow, targetRow] = [inSource.at(-1), dumpSqlite(target).audit_log.at(-1)];
    expect(sourceRow).toMatchObject({ actor: ADMIN, project_id: null, event: 'store_copied', from_ref: source, to_ref: target, at: NOW.toISOString() });
    expect({ ...targetRow, id: 0 }).toEqual({ ...sourceRow, id: 0 });
    const detail = JSON.parse(String(sourceRow?.detail)) as Record<string, unknown>;
    expect(detail).toMatchObject({ source, target, schemaVersion: '0005_server_roles', by: ADMIN, addedSuperadmin: null });
    expect(detail.counts).toEqual(Object.fromEntries(COPIED_TABLES.map((table) => [table, before[table].length])));
  });

  it('leaves a copy every command reads as it read the source', async () => {
    const target = folder.path('copy.db');
    await copyStore(deps(target));
    const [from, to] = [await openSqliteStore({ path: source, now }), await openSqliteStore({ path: target, now })];
    try {
      expect(await to.listProjects()).toEqual(await from.listProjects());
      expect(await to.getSlot({ kind: 'default' })).toEqual(await from.getSlot({ kind: 'default' }));
      expect(await to.operators()).toEqual(await from.operators());
      expect(await to.contractAssignments()).toEqual(await from.contractAssignments());
      expect(await to.policyAssignments()).toEqual(await from.policyAssignments());
      expect(await to.heldDrift(projectSubject('acme'))).toEqual(await from.heldDrift(projectSubject('acme')));
      expect(await to.pendingSlots()).toEqual(await from.pendingSlots());
      expect(await to.audit({})).toEqual(await from.audit({}));
      // And it takes writes: the next audit row follows the copied ids.
      await to.setOperator('dave', 'viewer', { actor: ADMIN, check: () => undefined });
      const [latest, previous] = await to.audit({ limit: 2 });
      expect(latest?.id).toBe((previous?.id ?? 0) + 1);
    } finally {
      await Promise.all([from.close(), to.close()]);
    }
  });

  it('fills an existing store that holds no rows at all (created without its bootstrap operator)', async () => {
    const target = folder.path('empty.db');
    await emptyStore(target);
    const result = await copyStore(deps(target));
    expect(result.created).toBe(false);
    expect(withoutCopyRows(dumpSqlite(target), Number(dumpSqlite(source).audit_log.at(-1)?.id))).toEqual(withoutCopyRows(dumpSqlite(source), Number(dumpSqlite(source).audit_log.at(-1)?.id)));
  });
});

describe('copyStore refusals: nothing is written to either store', () => {
  it('refuses a target that holds a store, even just its bootstrap operator (exit 2)', async () => {
    const target = folder.path('taken.db');
    await (await openSqliteStore({ path: target, now, bootstrapActor: 'zed' })).close();
    const [sourceBytes, targetBytes] = [bytesOf(source), bytesOf(target)];

    const refusal = copyStore(deps(target));
    await expect(refusal).rejects.toBeInstanceOf(CopyTargetNotEmptyError);
    await expect(refusal).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/already holds a store \(operators 1, audit_log 1\): nothing was copied/) });
    expect(bytesOf(target)).toEqual(targetBytes);
    expect(bytesOf(source)).toEqual(sourceBytes);
  });

  it('refuses a store at another schema version, saying which', async () => {
    const target = folder.path('older.db');
    await emptyStore(target, 4);
    const targetBytes = bytesOf(target);
    const refusal = copyStore(deps(target));
    await expect(refusal).rejects.toBeInstanceOf(CopySchemaMismatchError);
    await expect(refusal).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('is at schema 0005_server_roles and the target') });
    await expect(refusal).rejects.toMatchObject({ message: expect.stringContaining('at 0004_policies') });
    expect(bytesOf(target)).toEqual(targetBytes);
    expect(dumpSqlite(source).audit_log.at(-1)?.event).not.toBe('store_copied');
  });

  it("refuses another application's SQLite database", async () => {
    const target = folder.path('other.db');
    const other = new Database(target);
    other.exec('create table notes (text text)');
    other.close();
    await expect(copyStore(deps(target))).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('is not a cascade-image store: it is another SQLite database (tables: notes)') });
  });

  it('refuses the source itself, by its path or through a link, soft or hard', async () => {
    await expect(copyStore(deps(source))).rejects.toBeInstanceOf(CopyOntoItselfError);
    symlinkSync(source, folder.path('soft.db'));
    linkSync(source, folder.path('hard.db'));
    const sourceBytes = bytesOf(source);
    for (const link of ['soft.db', 'hard.db']) {
      await expect(copyStore(deps(folder.path(link)))).rejects.toMatchObject({ name: 'CopyOntoItselfError', exitCode: 2 });
    }
    expect(bytesOf(source)).toEqual(sourceBytes);
  });

  it.each([
    ['a viewer', VIEWER],
    ['a stranger', 'mallory'],
  ])('refuses %s of the source (exit 77), before the target is even opened', async (_who, actor) => {
    const target = neverOpened<never>('the target');
    const sourceBytes = bytesOf(source);
    const refusal = copyStore(deps(folder.path('x.db'), { actor, target }));
    await expect(refusal).rejects.toBeInstanceOf(ForbiddenError);
    await expect(refusal).rejects.toMatchObject({ exitCode: 77, actor });
    expect(target.calls).toBe(0);
    expect(bytesOf(source)).toEqual(sourceBytes);
  });

  it('refuses a source that does not exist, creating nothing', async () => {
    const missing = folder.path('missing.db');
    const target = neverOpened<never>('the target');
    await expect(copyStore(deps(folder.path('x.db'), { source: () => openCopySource(file(missing), now), target }))).rejects.toBeInstanceOf(UsageError);
    expect(existsSync(missing)).toBe(false);
    expect(target.calls).toBe(0);
  });
});

describe('copyStore failures: one transaction', () => {
  it('leaves no target file (nor the folder made for it) when a row cannot go in', async () => {
    // A tool that does not enforce foreign keys (the sqlite3 shell) left an assignment to a missing contract.
    const database = new Database(source);
    database.pragma('foreign_keys = off');
    database.prepare("insert into contract_assignments values ('beta', 'no-such-hash', 'alice', '2026-12-01T00:00:00.000Z')").run();
    database.close();
    const sourceBytes = bytesOf(source);
    const target = folder.path('made/for/it/copy.db');

    await expect(copyStore(deps(target))).rejects.toMatchObject({ exitCode: 69, message: expect.stringContaining('FOREIGN KEY') });
    expect(existsSync(target)).toBe(false);
    expect(existsSync(folder.path('made'))).toBe(false);
    expect(bytesOf(source)).toEqual(sourceBytes);
  });

  it('rolls back a copy whose counts do not come back, naming the table', async () => {
    const target = folder.path('leaky.db');
    await emptyStore(target);
    // Not cascade-image's: a trigger that drops what the copy writes.
    const database = new Database(target);
    database.exec("create trigger leak after insert on smoke_results when new.image_id = 'sha256:img2' begin delete from smoke_results where image_id = new.image_id; end");
    database.close();

    const refusal = copyStore(deps(target));
    await expect(refusal).rejects.toBeInstanceOf(StoreCopyMismatchError);
    await expect(refusal).rejects.toMatchObject({ exitCode: 69, message: expect.stringContaining('did not keep every row (smoke_results 2 of 3); it was rolled back') });
    expect(Object.values(dumpSqlite(target)).flat()).toEqual([]);
    expect(dumpSqlite(source).audit_log.at(-1)?.event).not.toBe('store_copied');
  });
});
