// SmokeLocks against a real PostgreSQL server: each instance is what one process holds (its own lock
// connection), so two instances on one key are two processes (or two hosts) sharing a store.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterruptedError } from '../../../src/errors.js';
import { SmokeLocks } from '../../../src/store/postgres/smoke-locks.js';
import { adminQuery, createTestDatabase, postgresAvailable } from '../../support/postgres.js';

const RUN = randomBytes(3).toString('hex');

/** A promise with its resolve, for holding a lock until the test says so. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds (polled), or fails naming what it waited for. */
async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe.skipIf(!postgresAvailable())('SmokeLocks (PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const opened: SmokeLocks[] = [];
  let instances = 0;

  // CREATE / DROP DATABASE wait for every backend of the cluster to accept a barrier: on a cluster
  // shared with other suites, one stuck in its handshake holds them up to authentication_timeout (1 min).
  const CLUSTER_DDL_MS = 90_000;
  beforeAll(async () => {
    db = await createTestDatabase('smoke_locks');
  }, CLUSTER_DDL_MS);
  afterAll(async () => {
    await Promise.all(opened.map((locks) => locks.close()));
    await db?.drop();
  }, CLUSTER_DDL_MS);

  /** One process's worth of locks; its lock connection is named so the test can find (and kill) it. */
  function aProcess(schema = `s_${RUN}`): { locks: SmokeLocks; name: string } {
    const name = `smoke-locks-test-${RUN}-${++instances}`;
    const locks = new SmokeLocks(() => new pg.Client({ connectionString: db.url(), application_name: name }), schema);
    opened.push(locks);
    return { locks, name };
  }

  const translate = (error: unknown) => new Error(`translated: ${error instanceof Error ? error.message : String(error)}`);

  /** The server pid of a process's lock connection, once it has one. */
  async function backendOf(name: string): Promise<number | undefined> {
    const rows = await adminQuery<{ pid: number }>('select pid from pg_stat_activity where application_name = $1', [name], db.name);
    return rows[0]?.pid;
  }

  /** Advisory locks held by a process's lock connection (none when it has no connection). */
  async function locksHeldBy(name: string): Promise<number> {
    const rows = await adminQuery<{ n: string }>(
      `select count(*) as n from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where l.locktype = 'advisory' and l.granted and a.application_name = $1`,
      [name],
      db.name,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Holds `key` on `locks` until the returned release is called; resolves once the holder's fn runs. */
  async function hold(locks: SmokeLocks, key: string): Promise<{ release: () => void; done: Promise<string> }> {
    const entered = deferred();
    const gate = deferred();
    const done = locks.exclusive(key, undefined, async () => {
      entered.resolve();
      await gate.promise;
      return 'held';
    }, translate);
    await entered.promise;
    return { release: () => gate.resolve(), done };
  }

  it('two processes on one key: the second waits until the first finishes, then runs', async () => {
    const a = aProcess();
    const b = aProcess();
    const key = `sha256:one ${RUN}`;
    const first = await hold(a.locks, key);
    expect(await locksHeldBy(a.name)).toBe(1);

    let secondRan = false;
    const second = b.locks.exclusive(key, undefined, async () => {
      secondRan = true;
      return 'second';
    }, translate);
    // Several polls' worth: the second never gets in while the first holds the key.
    await sleep(700);
    expect(secondRan).toBe(false);
    expect(await locksHeldBy(b.name)).toBe(0);

    const released = Date.now();
    first.release();
    expect(await first.done).toBe('held');
    expect(await second).toBe('second');
    expect(Date.now() - released).toBeLessThan(2_000);
    // Both let go: nothing stays locked on either connection.
    expect(await locksHeldBy(a.name)).toBe(0);
    expect(await locksHeldBy(b.name)).toBe(0);
  });

  it('different keys (another image, or another contract) do not wait for each other', async () => {
    const a = aProcess();
    const b = aProcess();
    const first = await hold(a.locks, `sha256:image-x contract-1 ${RUN}`);
    const t0 = Date.now();
    expect(await b.locks.exclusive(`sha256:image-y contract-1 ${RUN}`, undefined, async () => 'other image', translate)).toBe('other image');
    expect(await b.locks.exclusive(`sha256:image-x contract-2 ${RUN}`, undefined, async () => 'other contract', translate)).toBe('other contract');
    // The same key in another store (schema) is another key too.
    expect(await aProcess(`other_${RUN}`).locks.exclusive(`sha256:image-x contract-1 ${RUN}`, undefined, async () => 'other store', translate)).toBe('other store');
    expect(Date.now() - t0).toBeLessThan(1_000);
    first.release();
    await first.done;
  });

  it('inside one process the same key is queued: the second call runs after the first, on the one connection', async () => {
    const a = aProcess();
    const key = `sha256:queued ${RUN}`;
    const order: string[] = [];
    const first = await hold(a.locks, key);
    const second = a.locks.exclusive(key, undefined, async () => {
      order.push('second');
      expect(await locksHeldBy(a.name)).toBe(1);
    }, translate);
    await sleep(300);
    order.push('first done');
    first.release();
    await Promise.all([first.done, second]);
    expect(order).toEqual(['first done', 'second']);
    expect(await locksHeldBy(a.name)).toBe(0);
  });

  it('an abort while waiting rejects with InterruptedError at once, runs nothing, and leaves nothing locked', async () => {
    const a = aProcess();
    const b = aProcess();
    const key = `sha256:abort ${RUN}`;
    const first = await hold(a.locks, key);

    // Another process waiting (polling the server).
    const controller = new AbortController();
    let ran = false;
    const waiting = b.locks.exclusive(key, controller.signal, async () => {
      ran = true;
    }, translate);
    await sleep(450);
    const aborted = Date.now();
    controller.abort('SIGINT');
    await expect(waiting).rejects.toBeInstanceOf(InterruptedError);
    expect(Date.now() - aborted).toBeLessThan(150);

    // The same process queued behind its own holder: the abort ends that wait too, not the holder's release.
    const local = new AbortController();
    const queued = a.locks.exclusive(key, local.signal, async () => {
      ran = true;
    }, translate);
    await sleep(100);
    const abortedLocal = Date.now();
    local.abort('SIGTERM');
    await expect(queued).rejects.toBeInstanceOf(InterruptedError);
    expect(Date.now() - abortedLocal).toBeLessThan(150);

    // An already-aborted signal never even asks.
    await expect(aProcess().locks.exclusive(key, AbortSignal.abort('SIGINT'), async () => void (ran = true), translate)).rejects.toBeInstanceOf(InterruptedError);

    expect(ran).toBe(false);
    expect(await locksHeldBy(b.name)).toBe(0);
    expect(await locksHeldBy(a.name)).toBe(1);
    first.release();
    await first.done;
    expect(await locksHeldBy(a.name)).toBe(0);
    // Nothing was left behind by the aborted waiters: a third process gets the key at once, and so do both of them.
    const t0 = Date.now();
    expect(await aProcess().locks.exclusive(key, undefined, async () => 'free', translate)).toBe('free');
    expect(await b.locks.exclusive(key, undefined, async () => 'b again', translate)).toBe('b again');
    expect(await a.locks.exclusive(key, undefined, async () => 'a again', translate)).toBe('a again');
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('a holder whose connection dies releases the key: a waiting process takes it over; the holder reconnects for its next test', async () => {
    const a = aProcess();
    const b = aProcess();
    const key = `sha256:dies ${RUN}`;
    const first = await hold(a.locks, key);
    const holder = await backendOf(a.name);
    expect(holder).toBeDefined();

    let secondRan = false;
    const second = b.locks.exclusive(key, undefined, async () => {
      secondRan = true;
      return 'taken over';
    }, translate);
    await sleep(300);
    expect(secondRan).toBe(false);

    // The server ends the holder's session (as it does for a crashed host, or a dropped network).
    await adminQuery('select pg_terminate_backend($1)', [holder], db.name);
    expect(await second).toBe('taken over');
    // The holder's own test was not cut short: it ends when it ends, its unlock failing quietly.
    first.release();
    expect(await first.done).toBe('held');

    // The dead session is dropped: the holder's next test opens a new one and gets the key.
    expect(await a.locks.exclusive(key, undefined, async () => 'again', translate)).toBe('again');
    const reconnected = await backendOf(a.name);
    expect(reconnected).toBeDefined();
    expect(reconnected).not.toBe(holder);
    expect(await locksHeldBy(a.name)).toBe(0);
  });

  it('the server probes each lock connection (TCP keepalive 30 s, then 3 × 10 s): a holder’s host that vanishes without closing its socket loses the key in about a minute, not two hours', async () => {
    const clients: pg.Client[] = [];
    const locks = new SmokeLocks(() => {
      const client = new pg.Client({ connectionString: db.url() });
      clients.push(client);
      return client;
    }, `s_${RUN}`);
    opened.push(locks);
    const first = await hold(locks, `sha256:keepalive ${RUN}`);
    const settings = await Promise.all(['tcp_keepalives_idle', 'tcp_keepalives_interval', 'tcp_keepalives_count'].map(async (name) => (await clients[0]!.query(`show ${name}`)).rows[0]?.[name]));
    expect(settings).toEqual(['30', '10', '3']);
    first.release();
    await first.done;
  });

  it('a waiter whose connection dies reconnects and keeps waiting, then gets the key when it is free', async () => {
    const a = aProcess();
    const b = aProcess();
    const key = `sha256:waiter-dies ${RUN}`;
    const first = await hold(a.locks, key);
    let secondRan = false;
    const second = b.locks.exclusive(key, undefined, async () => {
      secondRan = true;
      return 'waited through';
    }, translate);
    let waiter: number | undefined;
    await eventually('the waiter to connect', async () => (waiter = await backendOf(b.name)) !== undefined);
    await adminQuery('select pg_terminate_backend($1)', [waiter], db.name);
    await eventually('the waiter to reconnect', async () => {
      const now = await backendOf(b.name);
      return now !== undefined && now !== waiter;
    });
    expect(secondRan).toBe(false);
    first.release();
    await first.done;
    expect(await second).toBe('waited through');
  });

  it('a server that cannot be reached: the waiter keeps trying to reconnect, and an interrupt still ends it at once', async () => {
    const locks = new SmokeLocks(() => new pg.Client({ host: '127.0.0.1', port: 1, connectionTimeoutMillis: 500 }), `s_${RUN}`);
    opened.push(locks);
    const controller = new AbortController();
    const waiting = locks.exclusive('k', controller.signal, async () => 'never', translate);
    await sleep(300);
    controller.abort('SIGINT');
    await expect(waiting).rejects.toBeInstanceOf(InterruptedError);
  });

  it('a refusal that is not a lost connection (a wrong password) fails the wait at once, translated', async () => {
    const locks = new SmokeLocks(() => new pg.Client({ connectionString: db.url({ role: 'cascade_admin', password: 'not-the-password' }) }), `s_${RUN}`);
    opened.push(locks);
    const t0 = Date.now();
    await expect(locks.exclusive('k', undefined, async () => 'never', translate)).rejects.toThrow(/^translated: .*password/);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });
});
