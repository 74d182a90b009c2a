// Opening a store in a PostgreSQL schema: migrated under the same names as SQLite, once however
// many hosts open a new schema together; refused untouched when a newer cascade-image wrote it;
// never created by a read.
import { describe, expect, it } from 'vitest';
import { projectSubject } from '../../../src/domain/index.js';
import { StoreSchemaTooNewError, StoreUnavailableError, UsageError } from '../../../src/errors.js';
import { permit } from '../../../src/lifecycle/authorization.js';
import type { StorePort } from '../../../src/ports/store.js';
import { MIGRATIONS } from '../../../src/store/migrations/index.js';
import { openPostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { adminQuery, createTestDatabase } from '../../support/postgres.js';
import { ADMIN, storeHarness } from '../../support/store.js';

describe('a PostgreSQL store', () => {
  const stores = storeHarness('postgres');
  const now = () => new Date();

  /** What the schema holds: its tables, its migration rows, its operators and how long its audit log is. */
  async function contents(schema: string) {
    const tables = await stores.admin<{ name: string }>("select table_name as name from information_schema.tables where table_schema = $1 order by table_name collate \"C\"", [schema]);
    const migrations = await stores.admin<{ name: string }>(`select name from "${schema}".cascade_schema_migrations order by name collate "C"`);
    const operators = await stores.admin(`select actor, role from "${schema}".operators order by actor collate "C"`);
    const [audit] = await stores.admin<{ n: string }>(`select count(*) as n from "${schema}".audit_log`);
    return { tables: tables.map((row) => row.name), migrations: migrations.map((row) => row.name), operators, auditRows: Number(audit?.n) };
  }

  it('applies the migrations under the same names as SQLite, and is at 0005_server_roles', async () => {
    const store = await stores.open();
    expect(await store.schemaVersion()).toBe('0005_server_roles');
    const { tables, migrations, operators, auditRows } = await contents(stores.location().schema);
    expect(migrations).toEqual(Object.keys(MIGRATIONS));
    expect(tables).toEqual(['audit_log', 'cascade_schema_migrations', 'contract_assignments', 'contracts', 'global_default', 'held_drifts', 'operators', 'policies', 'projects', 'smoke_results', 'validation_runs']);
    expect(operators).toEqual([{ actor: ADMIN, role: 'superadmin' }]);
    expect(auditRows).toBe(1);
  });

  it('opened by several hosts at once, a new schema is created and migrated once, with one first superadmin', async () => {
    for (let round = 0; round < 3; round += 1) {
      const location = stores.fresh();
      const opening = await Promise.allSettled([1, 2, 3].map(() => openPostgresStore({ location, now, create: true, bootstrapActor: ADMIN })));
      const opened = opening.map((result) => (result.status === 'fulfilled' ? result.value : result.reason));
      try {
        for (const store of opened) expect(await (store as StorePort).schemaVersion()).toBe('0005_server_roles');
        const { migrations, operators, auditRows } = await contents(location.schema);
        expect(migrations).toEqual(Object.keys(MIGRATIONS));
        expect(operators).toEqual([{ actor: ADMIN, role: 'superadmin' }]);
        expect(auditRows).toBe(1);
      } finally {
        for (const result of opening) if (result.status === 'fulfilled') await result.value?.close();
      }
    }
  });

  it('opened again, an up-to-date schema is left as it is', async () => {
    const store = await stores.open();
    await store.changeSlot({ subject: projectSubject('acme'), reference: 'registry.test/acme/worker:1', allowLocal: false, actor: ADMIN, create: true, event: 'e' }, permit('change', ADMIN));
    const before = await contents(stores.location().schema);
    const again = await openPostgresStore({ location: stores.location(), now, create: true, bootstrapActor: 'bob' });
    try {
      expect(await again?.listProjects()).toMatchObject([{ reference: 'registry.test/acme/worker:1' }]);
      expect(await contents(stores.location().schema)).toEqual(before);
    } finally {
      await again?.close();
    }
  });

  it('refuses a schema a newer cascade-image migrated, and leaves it untouched', async () => {
    const store = await stores.open();
    await store.close();
    const { schema } = stores.location();
    await stores.admin(`insert into "${schema}".cascade_schema_migrations (name, applied_at) values ('9999_future', 'x')`);
    const before = await contents(schema);
    for (const create of [true, false]) {
      const refused = openPostgresStore({ location: stores.location(), now, create, bootstrapActor: ADMIN });
      await expect(refused).rejects.toBeInstanceOf(StoreSchemaTooNewError);
      await expect(refused).rejects.toMatchObject({ code: 'STORE_SCHEMA_TOO_NEW', exitCode: 69, message: expect.stringContaining(`(schema ${schema}) has schema 9999_future`) });
    }
    expect(await contents(schema)).toEqual(before);
    expect(before.migrations).toEqual([...Object.keys(MIGRATIONS), '9999_future']);
  });

  it('read without create, a missing schema opens as no store and nothing is created', async () => {
    const location = stores.fresh();
    const everything = () => stores.admin("select nspname, relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where nspname not in ('pg_catalog', 'information_schema', 'pg_toast') order by 1, 2");
    const before = await everything();
    expect(await openPostgresStore({ location, now, create: false })).toBeUndefined();
    expect(await stores.admin('select 1 from pg_namespace where nspname = $1', [location.schema])).toEqual([]);
    expect(await everything()).toEqual(before);
  });

  it("keeps the URL's own options= and still uses its schema", async () => {
    const fresh = stores.fresh();
    const url = new URL(fresh.url);
    url.searchParams.set('options', `${url.searchParams.get('options') ?? ''} -c statement_timeout=4321`);
    const location = { ...fresh, url: url.toString() };
    const store = await openPostgresStore({ location, now, create: true, bootstrapActor: ADMIN });
    try {
      expect(await store?.schemaVersion()).toBe('0005_server_roles');
      expect((await contents(location.schema)).migrations).toEqual(Object.keys(MIGRATIONS));
      // Not a table in the role's default schema (public), where the store went when the URL's options replaced ours.
      expect(await stores.admin("select table_schema from information_schema.tables where table_schema not like 't\\_%' and table_schema not in ('pg_catalog', 'information_schema')")).toEqual([]);
      expect(await store?.describe()).toMatchObject({ kind: 'postgres', schema: location.schema, connectedRole: ADMIN, operatorRole: 'superadmin' });
    } finally {
      await store?.close();
    }
  });

  it('grants only to a role the server has, after the permit allowed the grant', async () => {
    const store = await stores.open();
    const refused = store.setOperator('no_such_role_h1', 'viewer', permit('change', ADMIN));
    await expect(refused).rejects.toBeInstanceOf(UsageError);
    await expect(refused).rejects.toMatchObject({ message: expect.stringContaining('there is no database role no_such_role_h1'), hint: expect.stringContaining('CREATE ROLE no_such_role_h1 LOGIN') });
    expect(await store.operators()).toMatchObject([{ actor: ADMIN }]);
    expect((await store.audit({})).map((entry) => entry.event)).toEqual(['operator_granted']);
  });
});

describe('a PostgreSQL store in a database where its role may create no schema', () => {
  // As a DBA sets a server up: CREATE on the database kept from everyone, a schema made for the role.
  const stores = storeHarness('postgres', {
    database: async () => {
      const database = await createTestDatabase('nocreate');
      await adminQuery(`revoke create on database ${database.name} from public`);
      return database;
    },
  });
  const now = () => new Date();

  it('uses the schema a DBA created for its role', async () => {
    const location = stores.fresh();
    await stores.admin(`create schema ${location.schema} authorization ${ADMIN}`);
    const store = await openPostgresStore({ location, now, create: true, bootstrapActor: ADMIN });
    try {
      expect(await store?.schemaVersion()).toBe('0005_server_roles');
      expect(await store?.operators()).toMatchObject([{ actor: ADMIN, role: 'superadmin' }]);
    } finally {
      await store?.close();
    }
  });

  it('without one, says what to grant, and creates nothing', async () => {
    const location = stores.fresh();
    const refused = openPostgresStore({ location, now, create: true, bootstrapActor: ADMIN });
    await expect(refused).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(refused).rejects.toMatchObject({
      exitCode: 69,
      hintLabel: 'fix',
      message: expect.stringContaining(`may not create the schema ${location.schema}`),
      hint: expect.stringContaining(`CREATE SCHEMA ${location.schema} AUTHORIZATION ${ADMIN}`),
    });
    expect(await stores.admin('select 1 from pg_namespace where nspname = $1', [location.schema])).toEqual([]);
  });
});
