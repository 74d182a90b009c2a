import type { HeldDrift, Subject } from '../../domain/index.js';
import { scopeKey, toHeldDrift } from '../rows.js';
import type { Tx } from './transaction.js';

/** The scope's held drift row: one at most, replaced by a newer finding, removed once it is taken or voided. */

export async function selectHeld(tx: Tx, subject: Subject): Promise<HeldDrift | null> {
  const key = scopeKey(subject);
  const row = await tx.selectFrom('held_drifts').selectAll().where('scope', '=', key).executeTakeFirst();
  return row === undefined ? null : toHeldDrift(row, key);
}

/** `reference` is the tag that drifted: kept beside the finding so the file says what moved. */
export async function storeHeld(tx: Tx, subject: Subject, reference: string, held: HeldDrift): Promise<void> {
  const values = {
    reference,
    digest: held.digest,
    pin_kind: held.pinKind,
    generation: held.generation,
    contract_hash: held.contractHash,
    warnings: JSON.stringify(held.warnings),
    inventory: held.inventory === null ? null : JSON.stringify(held.inventory),
    inventory_changes: JSON.stringify(held.inventoryChanges),
    run_id: held.runId,
    found_at: held.foundAt,
  };
  await tx
    .insertInto('held_drifts')
    .values({ scope: scopeKey(subject), ...values })
    .onConflict((conflict) => conflict.column('scope').doUpdateSet(values))
    .execute();
}

export async function removeHeld(tx: Tx, subject: Subject): Promise<void> {
  await tx.deleteFrom('held_drifts').where('scope', '=', scopeKey(subject)).execute();
}
