// `store copy` to and from a real PostgreSQL server: a new schema is created and filled in one
// transaction, the role writing it is made a superadmin of the copy where it is not one (else the
// guard trigger would refuse it, and it could never be changed), the identity sequences follow the
// copied ids, and no password reaches a result, a row or a message. In CI these never skip.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { copyStore, type StoreCopyDeps } from '../../../src/commands/store-copy.js';
import type { StoreLocation } from '../../../src/config/store-location.js';
import { projectSubject } from '../../../src/domain/index.js';
import { permit } from '../../../src/lifecycle/authorization.js';
import { CopyTargetNotEmptyError } from '../../../src/lifecycle/store-copy.js';
import { openCopySource, openCopyTarget } from '../../../src/store/copy/index.js';
import { openPostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { openSqliteStore } from '../../../src/store/sqlite-store.js';
import { adminQuery, adminUrl, createTestDatabase, ensureRole, postgresAvailable } from '../../support/postgres.js';
import { ADMIN, dumpPostgres, dumpSqlite, pgLocation, pgQuery, schemaExists, seededFile, tempFolder, withoutCopyRows, type Dump } from './support.js';

const now = () => new Date('2026-12-02T10:00:00.000Z');
const COPIER = 'cascade_copier';
/** Creating and dropping a database can take a busy test cluster half a minute (DROP DATABASE waits for a checkpoint). */
const SERVER_HOOK_MS = 120_000;
const COPIER_PASSWORD = 'copier-Secret-4711';

describe.runIf(postgresAvailable())('store copy with PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let folder: ReturnType<typeof tempFolder>;
  let seeded: string;
  let schemas = 0;
  /** A schema no test used yet, as the admin role or as COPIER. */
  const fresh = (as: 'admin' | 'copier' = 'admin') => {
    schemas += 1;
    const schema = `copy_${schemas}`;
    return as === 'admin' ? database.url({ schema }) : database.url({ schema, role: COPIER, password: COPIER_PASSWORD });
  };
  const adminRole = () => new URL(adminUrl() ?? '').username;

  beforeAll(async () => {
    database = await createTestDatabase('store_copy');
    await ensureRole(COPIER, COPIER_PASSWORD);
    folder = tempFolder();
    seeded = folder.path('seeded.db');
    await seededFile(seeded);
  }, SERVER_HOOK_MS);
  afterAll(async () => {
    folder?.remove();
    await database?.drop();
  }, SERVER_HOOK_MS);

  const location = (where: string): StoreLocation => (where.startsWith('postgres') ? pgLocation(where) : { kind: 'sqlite', path: where });
  const copy = (from: string, to: string, actor: string = ADMIN, overrides: Partial<StoreCopyDeps> = {}) =>
    copyStore({ source: () => openCopySource(location(from), now), target: () => openCopyTarget(location(to), now), actor, now, ...overrides });
  /** A copy of the seeded store, in a file of its own (each test's source gets its own audit row). */
  const sourceFile = (name: string, change?: (database: Database.Database) => void) => {
    const path = folder.path(name);
    const database = new Database(seeded, { readonly: true });
    database.exec(`vacuum into '${path}'`);
    database.close();
    if (change !== undefined) {
      const writable = new Database(path);
      change(writable);
      writable.close();
    }
    return path;
  };
  const lastAuditId = (dump: Dump) => Number(dump.audit_log.at(-1)?.id ?? 0);

  it('copies a SQLite store into a new schema and back into a new file, every value and id kept', async () => {
    const source = sourceFile('there-and-back.db');
    const before = dumpSqlite(source);
    const url = fresh();
    const admin = adminRole();

    const there = await copy(source, url);
    expect(there).toMatchObject({ created: true, source, targetActor: admin, addedSuperadmin: { role: admin, was: null } });
    expect(there.target).toBe(`${pgLocation(url).shown} (schema ${pgLocation(url).schema})`);
    expect(there.tables.find((row) => row.table === 'operators')).toEqual({ table: 'operators', source: before.operators.length, target: before.operators.length + 1, added: 1 });
    expect(there.tables.find((row) => row.table === 'audit_log')).toMatchObject({ added: 2 });
    const onServer = await dumpPostgres(url);
    expect(withoutCopyRows(onServer, lastAuditId(before) + 1, admin)).toEqual(before);
    expect(onServer.operators.find((row) => row.actor === admin)).toEqual({ actor: admin, role: 'superadmin', granted_by: admin, granted_at: now().toISOString() });
    expect(onServer.audit_log.slice(-2).map((row) => [row.id, row.actor, row.event, row.from_ref, row.to_ref])).toEqual([
      [lastAuditId(before) + 1, admin, 'operator_granted', null, 'superadmin'],
      [lastAuditId(before) + 2, admin, 'store_copied', source, there.target],
    ]);

    // The copy is a working store: the added superadmin changes it, and new ids follow the copied
    // ones (a sequence left behind would collide). A gap in the ids, as rollbacks leave on a server, is kept by the next copy.
    await pgQuery(url, "select setval(pg_get_serial_sequence('audit_log', 'id'), (select max(id) from audit_log) + 10)");
    const store = await openPostgresStore({ location: pgLocation(url), now, create: false });
    await store?.changeSlot({ subject: projectSubject('epsilon'), reference: null, allowLocal: false, actor: admin, create: true, event: 'project_worker_image_changed' }, permit('change', admin));
    await store?.close();
    const grown = await dumpPostgres(url);
    expect(grown.audit_log.at(-1)).toMatchObject({ id: lastAuditId(onServer) + 11, actor: admin, project_id: 'epsilon' });

    const back = folder.path('back/copy.db');
    const result = await copy(url, back, admin);
    expect(result).toMatchObject({ created: true, targetActor: admin, addedSuperadmin: null });
    const inFile = dumpSqlite(back);
    expect(withoutCopyRows(inFile, lastAuditId(grown) + 1)).toEqual(withoutCopyRows(await dumpPostgres(url), lastAuditId(grown) + 1));
    expect(inFile.audit_log.at(-1)).toMatchObject({ id: lastAuditId(grown) + 1, actor: admin, event: 'store_copied', from_ref: result.source, to_ref: back });
    // Read through the stores, as every command reads them.
    const [server, file] = [await openPostgresStore({ location: pgLocation(url), now, create: false }), await openSqliteStore({ path: back, now })];
    try {
      expect(await file.listProjects()).toEqual(await server?.listProjects());
      expect(await file.audit({})).toEqual(await server?.audit({}));
      expect(await file.contractAssignments()).toEqual(await server?.contractAssignments());
      expect(await file.policyAssignments()).toEqual(await server?.policyAssignments());
    } finally {
      await Promise.all([server?.close(), file.close()]);
    }
  });

  it('as a role that was a viewer of the source: promoted to superadmin, audited and said, and the copy takes its writes', async () => {
    const source = sourceFile('viewer.db', (db) => {
      db.prepare("insert into operators values (?, 'viewer', 'alice', '2026-12-01T00:00:00.000Z')").run(COPIER);
    });
    const before = dumpSqlite(source);
    const url = fresh('copier');

    const result = await copy(source, url);
    expect(result).toMatchObject({ targetActor: COPIER, addedSuperadmin: { role: COPIER, was: 'viewer' } });
    const onServer = await dumpPostgres(url);
    expect(onServer.operators.find((row) => row.actor === COPIER)).toMatchObject({ role: 'superadmin', granted_by: COPIER });
    expect(onServer.operators.filter((row) => row.actor !== COPIER)).toEqual(before.operators.filter((row) => row.actor !== COPIER));
    expect(onServer.audit_log.at(-2)).toMatchObject({ actor: COPIER, event: 'operator_granted', from_ref: 'viewer', to_ref: 'superadmin' });
    // It created the schema, so it owns it; the guard trigger lets it change the store.
    const [owner] = await pgQuery<{ owner: string }>(url, 'select pg_get_userbyid(nspowner) as owner from pg_namespace where nspname = $1', [pgLocation(url).schema]);
    expect(owner?.owner).toBe(COPIER);
    const store = await openPostgresStore({ location: pgLocation(url), now, create: false });
    try {
      await store?.removeOperator('bob', permit('change', COPIER));
      expect((await store?.operators())?.map((row) => row.actor)).not.toContain('bob');
      // Its audit row takes the next id: the identity sequence was moved past the copied ids.
      expect((await store?.audit({ limit: 1 }))?.[0]).toMatchObject({ id: lastAuditId(onServer) + 1, actor: COPIER, event: 'operator_revoked' });
    } finally {
      await store?.close();
    }
  });

  it('as a role that is a superadmin of the source already: nothing is added', async () => {
    const source = sourceFile('superadmin.db', (db) => {
      db.prepare("insert into operators values (?, 'superadmin', 'alice', '2026-12-01T00:00:00.000Z')").run(COPIER);
    });
    const before = dumpSqlite(source);
    const url = fresh('copier');
    const result = await copy(source, url);
    expect(result.addedSuperadmin).toBeNull();
    expect(result.tables.find((row) => row.table === 'operators')).toMatchObject({ added: 0 });
    expect(withoutCopyRows(await dumpPostgres(url), lastAuditId(before) + 1)).toEqual(before);
  });

  it('refuses a schema that holds a store (just its bootstrap operator): exit 2, nothing written', async () => {
    const source = sourceFile('refused.db');
    const url = fresh();
    await (await openPostgresStore({ location: pgLocation(url), now, create: true, bootstrapActor: adminRole() }))?.close();
    const [serverBefore, sourceBefore] = [await dumpPostgres(url), dumpSqlite(source)];
    const refusal = copy(source, url);
    await expect(refusal).rejects.toBeInstanceOf(CopyTargetNotEmptyError);
    await expect(refusal).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('already holds a store (operators 1, audit_log 1)') });
    expect(await dumpPostgres(url)).toEqual(serverBefore);
    expect(dumpSqlite(source)).toEqual(sourceBefore);
  });

  it("refuses a schema holding another application's tables", async () => {
    const url = fresh();
    await pgQuery(url, `create schema ${pgLocation(url).schema}; create table ${pgLocation(url).schema}.notes (text text)`);
    await expect(copy(sourceFile('foreign.db'), url)).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('the schema holds other tables (notes)') });
  });

  it('leaves no schema when a row cannot go in: the schema, its tables and the rows are one transaction', async () => {
    const source = sourceFile('dangling.db', (db) => {
      db.pragma('foreign_keys = off');
      db.prepare("insert into contract_assignments values ('beta', 'no-such-hash', 'alice', '2026-12-01T00:00:00.000Z')").run();
    });
    const sourceBefore = dumpSqlite(source);
    const url = fresh();
    await expect(copy(source, url)).rejects.toMatchObject({ exitCode: 69, message: expect.stringContaining('contract_assignments') });
    expect(await schemaExists(url)).toBe(false);
    expect(dumpSqlite(source)).toEqual(sourceBefore);
  });

  it('copies into a schema a DBA created for the role, and says what to grant where the role may create none', async () => {
    const locked = await createTestDatabase('store_copy_locked');
    try {
      await adminQuery('revoke create on database ' + locked.name + ' from public');
      const source = sourceFile('locked.db');
      const denied = copy(source, locked.url({ schema: 'nope', role: COPIER, password: COPIER_PASSWORD }));
      await expect(denied).rejects.toMatchObject({ exitCode: 69, message: `role ${COPIER} may not create the schema nope in the database ${locked.name}: nothing was copied` });
      await expect(denied).rejects.toMatchObject({ hint: expect.stringContaining(`GRANT CREATE ON DATABASE ${locked.name} TO ${COPIER}`) });

      await adminQuery(`create schema granted authorization ${COPIER}`, [], locked.name);
      const url = locked.url({ schema: 'granted', role: COPIER, password: COPIER_PASSWORD });
      const result = await copy(source, url);
      expect(result).toMatchObject({ created: true, targetActor: COPIER, addedSuperadmin: { role: COPIER, was: null } });
      expect(withoutCopyRows(await dumpPostgres(url), lastAuditId(dumpSqlite(source)), COPIER).operators).toEqual(dumpSqlite(source).operators);
    } finally {
      await locked.drop();
    }
  }, SERVER_HOOK_MS * 2);

  it('never puts a password in its result, a row of either store, or a message', async () => {
    const source = sourceFile('secret.db');
    const url = fresh('copier');
    expect(url).toContain(COPIER_PASSWORD);
    const result = await copy(source, url);
    const everything = JSON.stringify([result, await dumpPostgres(url), dumpSqlite(source)]);
    expect(everything).not.toContain(COPIER_PASSWORD);
    expect(everything).toContain(`${COPIER}@`);
    const refusal = await copy(source, url).catch((error: Error) => error);
    expect(refusal).toBeInstanceOf(CopyTargetNotEmptyError);
    expect(String((refusal as Error).message) + String((refusal as CopyTargetNotEmptyError).hint)).not.toContain(COPIER_PASSWORD);
  });
});
