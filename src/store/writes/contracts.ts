import { canonicalJson, contractHash } from '../../checks/contract-hash.js';
import { projectOf, type Subject } from '../../domain/index.js';
import { ProjectNotFoundError } from '../../errors.js';
import type { ContractChange, ContractToSet } from '../../ports/store.js';
import { scopeKey } from '../rows.js';
import { insertAudit } from './audit.js';
import type { Timestamp, Tx } from './transaction.js';

/**
 * Assigns `contract` to a scope (null clears it) and audits the change. Contract rows are
 * content-addressed and never removed: the first text that resolved to a hash is the one kept, so
 * history can always show what a hash meant. Assigning the hash already assigned writes nothing.
 */
export async function setContract(tx: Tx, timestamp: Timestamp, scope: Subject, contract: ContractToSet | null, actor: string): Promise<ContractChange> {
  if (contract !== null && contractHash(contract.contract) !== contract.hash) {
    // A mismatched key would make the content addressing lie; only a caller bug gets here.
    throw new Error(`contract hash ${contract.hash} does not match its document`);
  }
  if (scope.kind === 'project') {
    const project = await tx.selectFrom('projects').select('id').where('id', '=', scope.project).executeTakeFirst();
    if (project === undefined) throw new ProjectNotFoundError(scope.project);
  }
  const key = scopeKey(scope);
  const current = await tx.selectFrom('contract_assignments').select('hash').where('scope', '=', key).executeTakeFirst();
  const before = current?.hash ?? null;
  const after = contract?.hash ?? null;
  if (before === after) return { before, after, changed: false };

  const now = timestamp();
  if (contract === null) {
    await tx.deleteFrom('contract_assignments').where('scope', '=', key).execute();
  } else {
    await tx
      .insertInto('contracts')
      .values({ hash: contract.hash, document: canonicalJson(contract.contract), source_text: contract.sourceText, created_at: now })
      .onConflict((conflict) => conflict.column('hash').doNothing())
      .execute();
    const assignment = { hash: contract.hash, set_by: actor, set_at: now };
    await tx
      .insertInto('contract_assignments')
      .values({ scope: key, ...assignment })
      .onConflict((conflict) => conflict.column('scope').doUpdateSet(assignment))
      .execute();
  }
  await insertAudit(tx, timestamp, {
    actor,
    project: projectOf(scope),
    event: contract === null ? 'contract_cleared' : 'contract_set',
    from: before,
    to: after,
    detail: { fromContract: before, toContract: after },
  });
  return { before, after, changed: true };
}
