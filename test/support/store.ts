import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { postgresLocation, type PostgresLocation } from '../../src/config/store-location.js';
import type { StorePort } from '../../src/ports/store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { adminQuery, createTestDatabase, postgresAvailable } from './postgres.js';

export const ADMIN = 'alice';

/** A real in-memory SQLite store with the real migrations; `alice` created it, so she is superadmin. */
export function memoryStore(now: () => Date = () => new Date()): Promise<StorePort> {
  return openSqliteStore({ path: ':memory:', now, bootstrapActor: ADMIN });
}

/** The stores the port's semantics are proven on. */
export const STORE_KINDS = ['sqlite', 'postgres'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

const SERVER_HOOK_TIMEOUT_MS = 60_000;

/** The actors the suites name as operators: on PostgreSQL an operator must be a role of the server (setOperator checks). */
const ACTORS = [ADMIN, 'bob', 'victor'];

export interface StoreHarness {
  readonly kind: StoreKind;
  /** A new, empty store that ADMIN created (so she is its superadmin). Every store the harness opened is closed after each test. */
  open(now?: () => Date): Promise<StorePort>;
  /**
   * The store `open` made last, as `actor` connects to it. On PostgreSQL that is a pool of its own
   * whose current_user is the actor's role, since the server's guard trigger judges every row by
   * current_user; on SQLite it is the same store (no server, nothing tells connections apart).
   */
  as(actor: string): Promise<StorePort>;
  /** The PostgreSQL location of the store `open` made last, as `actor` reaches it (PostgreSQL only). */
  location(actor?: string): PostgresLocation;
  /** The location of a new schema in the suite's database, nothing created yet (PostgreSQL only). */
  fresh(actor?: string): PostgresLocation;
  /** SQL as the cluster's admin, in the suite's database (PostgreSQL only). */
  admin<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
}

export type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

export interface HarnessOptions {
  /** The suite's PostgreSQL database, when it must be other than createTestDatabase's (another collation). */
  readonly database?: () => Promise<TestDatabase>;
}

/**
 * Registers the hooks a suite over one kind of store needs (call it inside `describe.each(STORE_KINDS)`).
 * PostgreSQL: one test database per suite, a new schema per store. Outside CI the PostgreSQL suite
 * skips when no server answers; under CI=true `postgresAvailable` throws instead, failing it.
 */
export function storeHarness(kind: StoreKind, options: HarnessOptions = {}): StoreHarness {
  const opened: StorePort[] = [];
  let last: { store: StorePort; schema: string } | undefined;
  let database: TestDatabase | undefined;
  const runs = kind === 'sqlite' || postgresAvailable();

  if (kind === 'postgres' && runs) {
    // A server shared with other suites running at once can be slow to create or drop a database.
    beforeAll(async () => {
      database = await (options.database ?? (() => createTestDatabase('store')))();
      for (const actor of ACTORS) await ensureActorRole(actor);
    }, SERVER_HOOK_TIMEOUT_MS);
    afterAll(async () => database?.drop(), SERVER_HOOK_TIMEOUT_MS);
  }
  beforeEach((context) => {
    if (!runs) context.skip('no PostgreSQL server answers here (bash .ci/postgres.sh)');
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    last = undefined;
  });

  const theDatabase = (): TestDatabase => {
    if (kind !== 'postgres' || database === undefined) throw new Error('no PostgreSQL test database here');
    return database;
  };
  const locationOf = (schema: string, actor: string): PostgresLocation => {
    const database = theDatabase();
    // The admin connects and takes the actor's role for the session (current_user is the actor):
    // a password of a role shared by the whole cluster would be changed under us by other suites.
    const url = new URL(database.url({ schema }));
    url.searchParams.set('options', `-c role=${actor}`);
    return postgresLocation(url.toString(), {}, actor);
  };

  return {
    kind,
    async open(now = () => new Date()) {
      let store: StorePort;
      let schema = '';
      if (kind === 'sqlite') {
        store = await memoryStore(now);
      } else {
        schema = newSchemaName();
        const { openPostgresStore } = await import('../../src/store/postgres/postgres-store.js');
        const created = await openPostgresStore({ location: locationOf(schema, ADMIN), now, create: true, bootstrapActor: ADMIN });
        if (created === undefined) throw new Error('openPostgresStore with create: true returned no store');
        store = created;
      }
      opened.push(store);
      last = { store, schema };
      return store;
    },
    async as(actor) {
      if (last === undefined) throw new Error('as() before open()');
      if (kind === 'sqlite') return last.store;
      await ensureActorRole(actor);
      const { openPostgresStore } = await import('../../src/store/postgres/postgres-store.js');
      const store = await openPostgresStore({ location: locationOf(last.schema, actor), now: () => new Date(), create: false });
      if (store === undefined) throw new Error(`the store's schema ${last.schema} is missing`);
      opened.push(store);
      return store;
    },
    location(actor = ADMIN) {
      if (kind !== 'postgres' || last === undefined) throw new Error('location() is for an opened PostgreSQL store');
      return locationOf(last.schema, actor);
    },
    fresh(actor = ADMIN) {
      return locationOf(newSchemaName(), actor);
    },
    admin(text, params = []) {
      return adminQuery(text, params, theDatabase().name);
    },
  };
}

export const newSchemaName = (): string => `t_${randomBytes(6).toString('hex')}`;

/**
 * A role for an actor, created when missing and otherwise left as it is (its password belongs to
 * whoever set it). Suites run in parallel: a role created by another between the check and the
 * create is fine.
 */
export async function ensureActorRole(actor: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(actor)) throw new Error(`not a plain role name: ${actor}`);
  try {
    await adminQuery(`do $$ begin if not exists (select from pg_roles where rolname = '${actor}') then create role ${actor} login; end if; end $$`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== '42710' && code !== '23505') throw error;
  }
}
