import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';
import { migrate } from '../migrate.js';
import { insertAudit } from './audit.js';
import type { Timestamp, Tx } from './transaction.js';

/** Applies pending migrations; on a new store, records its creator as first superadmin. */
export async function initialize(tx: Tx, timestamp: Timestamp, path: string, bootstrapActor: string | undefined, dialect: StoreDialect = 'sqlite'): Promise<void> {
  const { created } = await migrate(tx as Kysely<unknown>, path, timestamp(), dialect);
  if (!created || bootstrapActor === undefined) return;
  // Like initdb: whoever creates the store is its first superadmin, and the log says so.
  await tx
    .insertInto('operators')
    .values({ actor: bootstrapActor, role: 'superadmin', granted_by: bootstrapActor, granted_at: timestamp() })
    .execute();
  await insertAudit(tx, timestamp, {
    actor: bootstrapActor,
    project: null,
    event: 'operator_granted',
    from: null,
    to: 'superadmin',
    detail: { operator: bootstrapActor, bootstrap: true },
  });
}
