import { sql, type Kysely } from 'kysely';
import type { Permit } from '../../ports/store.js';
import type { StoreSchema } from '../schema.js';
import { roleOf } from './operators.js';

/** The connection a write runs on, inside its transaction. */
export type Tx = Kysely<StoreSchema>;

/** The current time as stored (ISO 8601), read afresh at each use: every row keeps the moment it was written. */
export type Timestamp = () => string;

/** Opens a write transaction on `conn` holding the store's write lock: one writer at a time, on every dialect. */
export type BeginWrite = (conn: Tx) => Promise<void>;

/**
 * SQLite: the write lock up front (BEGIN IMMEDIATE): a deferred transaction that later upgrades
 * can fail with SQLITE_BUSY at once instead of waiting out the busy timeout.
 */
export const beginImmediate: BeginWrite = async (conn) => {
  await sql`begin immediate`.execute(conn);
};

export async function writeTransaction<T>(db: Kysely<StoreSchema>, fn: (tx: Tx) => Promise<T>, begin: BeginWrite = beginImmediate): Promise<T> {
  return db.connection().execute(async (conn) => {
    await begin(conn);
    try {
      const result = await fn(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw error;
    }
  });
}

/**
 * A write that needs authorization. The permit judges the actor's role as read under the write
 * lock, before the write reads or changes anything else: no other process can grant or revoke in
 * between, and a refusal (ForbiddenError) rolls back a transaction that has done nothing.
 */
export async function authorizedTransaction<T>(db: Kysely<StoreSchema>, permit: Permit, fn: (tx: Tx) => Promise<T>, begin: BeginWrite = beginImmediate): Promise<T> {
  return writeTransaction(
    db,
    async (tx) => {
      permit.check(await roleOf(tx, permit.actor));
      return fn(tx);
    },
    begin,
  );
}
