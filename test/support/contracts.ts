import { contractHash, WORKER_CONTRACT } from '../../src/checks/index.js';
import { DEFAULT_SUBJECT, type Check, type CheckContract, type Subject } from '../../src/domain/index.js';
import { permit } from '../../src/lifecycle/authorization.js';
import type { StorePort } from '../../src/ports/store.js';

/** The worker contract with one more hard check: `jq --version`, which the test images lack. */
export const STRICTER: CheckContract = {
  ...WORKER_CONTRACT,
  name: 'stricter',
  checks: [...WORKER_CONTRACT.checks, { id: 'jq', label: 'jq --version', severity: 'hard', kind: 'version', tool: 'jq', run: 'jq --version', pattern: null, range: null } satisfies Check],
};

/** Assigns a contract (to the default scope unless told otherwise), as `contract set` does. */
export async function assignContract(store: StorePort, actor: string, contract: CheckContract, scope: Subject = DEFAULT_SUBJECT): Promise<string> {
  const hash = contractHash(contract);
  await store.setContract(scope, { hash, contract, sourceText: null }, actor, permit('change', actor));
  return hash;
}
