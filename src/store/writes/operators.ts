import { LastSuperadminError, NotAnOperatorError } from '../../errors.js';
import type { OperatorRole } from '../../domain/index.js';
import { insertAudit } from './audit.js';
import type { Timestamp, Tx } from './transaction.js';

export async function roleOf(tx: Tx, actor: string): Promise<OperatorRole | undefined> {
  const row = await tx.selectFrom('operators').select('role').where('actor', '=', actor).executeTakeFirst();
  return row?.role;
}

/** Grants or changes `actor`'s role; `by` is who did it, for the operators row and the audit log. */
export async function setOperator(tx: Tx, timestamp: Timestamp, actor: string, role: OperatorRole, by: string): Promise<void> {
  const before = await roleOf(tx, actor);
  if (before === 'superadmin' && role !== 'superadmin') await refuseLastSuperadmin(tx, actor);
  // Audited first, while `by` still holds the role that allows it: on PostgreSQL the server's guard
  // judges each row by the writer's role as it stands, and a superadmin may demote themselves.
  await insertAudit(tx, timestamp, {
    actor: by,
    project: null,
    event: 'operator_granted',
    from: before ?? null,
    to: role,
    detail: { operator: actor },
  });
  await tx
    .insertInto('operators')
    .values({ actor, role, granted_by: by, granted_at: timestamp() })
    .onConflict((conflict) => conflict.column('actor').doUpdateSet({ role, granted_by: by, granted_at: timestamp() }))
    .execute();
}

/** Revokes `actor`'s role; `by` is who did it, for the audit log. */
export async function removeOperator(tx: Tx, timestamp: Timestamp, actor: string, by: string): Promise<void> {
  const before = await roleOf(tx, actor);
  if (before === undefined) throw new NotAnOperatorError(actor);
  if (before === 'superadmin') await refuseLastSuperadmin(tx, actor);
  // Audited first, as a grant is: a superadmin revoking themselves is no operator once the row goes.
  await insertAudit(tx, timestamp, {
    actor: by,
    project: null,
    event: 'operator_revoked',
    from: before,
    to: null,
    detail: { operator: actor },
  });
  await tx.deleteFrom('operators').where('actor', '=', actor).execute();
}

/**
 * A store without a superadmin could never be changed again, so the last one stays. Counted in
 * SQL inside the write's transaction: two concurrent revocations cannot both see "one more left".
 */
async function refuseLastSuperadmin(tx: Tx, actor: string): Promise<void> {
  const others = await tx
    .selectFrom('operators')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('role', '=', 'superadmin')
    .where('actor', '!=', actor)
    .executeTakeFirstOrThrow();
  if (Number(others.count) === 0) throw new LastSuperadminError(actor);
}
