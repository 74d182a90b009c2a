import type pg from 'pg';
import { InterruptedError } from '../../errors.js';
import { isConnectionLost } from './errors.js';

const POLL_MS = 200;
const SMOKE_LOCK_CLASS = 0x43494d48;
/** How long a waiter reconnects a lost lock connection before the wait fails (as the store's writes retry theirs). */
const RECONNECT_WINDOW_MS = 10_000;

/**
 * The server's TCP keepalive on the lock connection: a holder whose host died without closing its
 * socket (power loss, a network partition) loses its key in about a minute, not after the kernel's
 * default two hours of silence (a kill -9 closes the socket, and the key goes at once).
 */
const KEEPALIVE = 'set tcp_keepalives_idle = 30; set tcp_keepalives_interval = 10; set tcp_keepalives_count = 3';

const LOCK = 'select pg_try_advisory_lock($1, hashtext($2)) as got';
const UNLOCK = 'select pg_advisory_unlock($1, hashtext($2))';

/**
 * At most one smoke test per (image ID, contract hash) across every host sharing the store: a
 * session advisory lock per key, held on a connection of its own for as long as the test runs (a
 * crashed holder's lock goes with its connection). Waiters poll, so an interrupt ends the wait at
 * once; inside one process a key is also queued locally, since a session's advisory locks stack.
 *
 * A waiter whose lock connection is lost reconnects (for a while) and keeps waiting. A holder
 * whose connection is lost has lost the key with it: another host may then start its own test.
 * A holder's host that vanishes without closing the connection is noticed by the server's keepalive.
 */
export class SmokeLocks {
  private client: Promise<pg.Client> | undefined;
  private readonly local = new Map<string, Promise<void>>();

  constructor(
    private readonly connect: () => pg.Client,
    private readonly schema: string,
  ) {}

  async exclusive<T>(key: string, signal: AbortSignal | undefined, fn: () => Promise<T>, translate: (error: unknown) => Error): Promise<T> {
    const previous = this.local.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const queued = previous.then(() => mine);
    this.local.set(key, queued);
    try {
      // Behind this process's own holder of the key, an interrupt ends the wait as it does behind another host's.
      await abortable(previous, signal);
      const lock = [SMOKE_LOCK_CLASS, `${this.schema} ${key}`];
      const client = await this.acquire(lock, signal, translate);
      try {
        return await fn();
      } finally {
        await client.query(UNLOCK, lock).catch(() => undefined);
      }
    } finally {
      release();
      if (this.local.get(key) === queued) this.local.delete(key);
    }
  }

  async close(): Promise<void> {
    const client = await this.client?.catch(() => undefined);
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** Polls for the key until it is ours; an interrupt, even one that arrives with the lock, leaves it unlocked. */
  private async acquire(lock: readonly unknown[], signal: AbortSignal | undefined, translate: (error: unknown) => Error): Promise<pg.Client> {
    let lostSince: number | undefined;
    for (;;) {
      if (aborted(signal)) throw interrupted();
      const session = this.session();
      try {
        const client = await session;
        const got = (await client.query<{ got: boolean }>(LOCK, lock as unknown[])).rows[0]?.got === true;
        if (got && aborted(signal)) {
          await client.query(UNLOCK, lock as unknown[]).catch(() => undefined);
          throw interrupted();
        }
        if (got) return client;
        lostSince = undefined;
      } catch (error) {
        if (error instanceof InterruptedError) throw error;
        if (!isConnectionLost(error)) throw translate(error);
        // The next poll opens a new session: nothing of ours was held on the lost one.
        this.forget(session);
        lostSince ??= Date.now();
        if (Date.now() - lostSince >= RECONNECT_WINDOW_MS) throw translate(error);
      }
      await pause(POLL_MS, signal);
    }
  }

  private session(): Promise<pg.Client> {
    if (this.client !== undefined) return this.client;
    const opening = (async () => {
      const client = this.connect();
      // A lost lock connection fails the next lock request (which reconnects), not the process;
      // only this session is forgotten, never a newer one opened since.
      client.on('error', () => this.forget(opening));
      await client.connect();
      // Ignored over a Unix socket; a server that refuses it still locks, only without the early release.
      await client.query(KEEPALIVE).catch((error: unknown) => {
        if (isConnectionLost(error)) throw error;
      });
      return client;
    })();
    this.client = opening;
    opening.catch(() => this.forget(opening));
    return opening;
  }

  private forget(session: Promise<pg.Client>): void {
    if (this.client !== session) return;
    this.client = undefined;
    session.then((client) => client.end()).catch(() => undefined);
  }
}

/** Read through a call: the signal can fire during any await, whatever an earlier check said. */
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function interrupted(): InterruptedError {
  return new InterruptedError('interrupted while waiting for another run to finish smoke-testing the same image');
}

/** `promise`, unless the signal fires first. */
function abortable(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(interrupted());
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(interrupted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(interrupted());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(interrupted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
