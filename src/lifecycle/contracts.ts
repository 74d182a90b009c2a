import { WORKER_CONTRACT, WORKER_CONTRACT_HASH } from '../checks/worker-contract.js';
import type { ContractAssignments, EffectiveContract, Subject } from '../domain/index.js';

export const BUILTIN_CONTRACT: EffectiveContract = Object.freeze({ source: 'builtin', hash: WORKER_CONTRACT_HASH, contract: WORKER_CONTRACT });

/**
 * The contract a subject is held to: its own, else the default scope's, else the built-in worker
 * contract. The global default image is held to the default scope's contract.
 */
export function effectiveContract(subject: Subject, assignments: ContractAssignments): EffectiveContract {
  const own = subject.kind === 'project' ? assignments.projects.get(subject.project) : undefined;
  if (own !== undefined) return { source: 'project', hash: own.hash, contract: own.contract };
  if (assignments.default !== undefined) return { source: 'default', hash: assignments.default.hash, contract: assignments.default.contract };
  return BUILTIN_CONTRACT;
}
