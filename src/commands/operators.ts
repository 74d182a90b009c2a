import type { OperatorRecord, OperatorRole } from '../domain/index.js';
import { permit } from '../lifecycle/authorization.js';
import type { StorePort } from '../ports/store.js';
import type { Lazy } from './deps.js';

export interface OperatorDeps {
  readonly store: Lazy<StorePort>;
  /** Who is granting or revoking. */
  readonly actor: string;
}

export async function listOperators(deps: Pick<OperatorDeps, 'store'>): Promise<readonly OperatorRecord[]> {
  return (await deps.store()).operators();
}

/** Grants a role (or changes one); superadmin only, audited, the last superadmin is never demoted. */
export async function grantOperator(input: { readonly operator: string; readonly role: OperatorRole }, deps: OperatorDeps): Promise<OperatorRecord> {
  const store = await deps.store();
  await store.setOperator(input.operator, input.role, permit('change', deps.actor));
  const granted = (await store.operators()).find((record) => record.actor === input.operator);
  if (granted === undefined) throw new Error(`operator ${input.operator} vanished right after being granted`);
  return granted;
}

/** Revokes a role; superadmin only, audited, refused for the last superadmin. */
export async function revokeOperator(input: { readonly operator: string }, deps: OperatorDeps): Promise<void> {
  await (await deps.store()).removeOperator(input.operator, permit('change', deps.actor));
}
