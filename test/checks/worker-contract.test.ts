import { describe, expect, it } from 'vitest';
import { contractHash } from '../../src/checks/contract-hash.js';
import { WORKER_CONTRACT, WORKER_CONTRACT_HASH } from '../../src/checks/worker-contract.js';

describe('the built-in worker contract', () => {
  it('has the platform plan: four hard checks, two soft ones, and every one must pass', () => {
    expect(WORKER_CONTRACT.checks.filter((check) => check.severity === 'hard').map((check) => check.id)).toEqual(['cascade-tools', 'node', 'git', 'engine-cli']);
    expect(WORKER_CONTRACT.checks.filter((check) => check.severity === 'soft').map((check) => check.id)).toEqual(['python', 'playwright']);
    expect(WORKER_CONTRACT.softFailures).toBe('fail');
  });

  it('carries its hash precomputed (a short set never loads crypto), and the constant is the computed hash', () => {
    expect(WORKER_CONTRACT_HASH).toBe(contractHash(WORKER_CONTRACT));
  });
});
