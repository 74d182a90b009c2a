import type pg from 'pg';
import { InterruptedError } from '../../errors.js';

const POLL_MS = 200;
const SMOKE_LOCK_CLASS = 0x43494d48;

/**
 * At most one smoke test per (image ID, contract hash) across every host sharing the store: a
 * session advisory lock per key, held on a connection of its own for as long as the test runs (a
 * crashed holder's lock goes with its connection). Waiters poll, so an interrupt ends the wait at
 * once; inside one process a key is also queued locally, since a session's advisory locks stack.
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
      await previous;
      const lock = [SMOKE_LOCK_CLASS, `${this.schema} ${key}`];
      let client: pg.Client;
      try {
        client = await this.session();
        while (!(await client.query<{ got: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as got', lock)).rows[0]?.got) {
          await pause(POLL_MS, signal);
        }
      } catch (error) {
        if (error instanceof InterruptedError) throw error;
        throw translate(error);
      }
      try {
        return await fn();
      } finally {
        await client.query('select pg_advisory_unlock($1, hashtext($2))', lock).catch(() => undefined);
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

  private session(): Promise<pg.Client> {
    this.client ??= (async () => {
      const client = this.connect();
      // A lost lock connection fails the next lock request (translated), not the process.
      client.on('error', () => {
        this.client = undefined;
      });
      await client.connect();
      return client;
    })();
    const opening = this.client;
    opening.catch(() => {
      if (this.client === opening) this.client = undefined;
    });
    return opening;
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new InterruptedError('interrupted while waiting for another host to finish smoke-testing the same image'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new InterruptedError('interrupted while waiting for another host to finish smoke-testing the same image'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
