import { describe, expect, it } from 'vitest';
import { contractHash } from '../../src/checks/contract-hash.js';
import { WORKER_CONTRACT, WORKER_CONTRACT_HASH } from '../../src/checks/worker-contract.js';

describe('WORKER_CONTRACT', () => {
  it.each([
    ['cascade-tools', 'hard', 'version', 'cascade-tools --version'],
    ['node', 'hard', 'version', 'node --version'],
    ['git', 'hard', 'version', 'git --version'],
    ['engine-cli', 'hard', 'command', 'command -v claude || command -v codex || command -v opencode'],
    ['python', 'soft', 'version', 'python --version'],
    ['playwright', 'soft', 'command', `NODE_PATH=$(npm root -g) node -e "require('@playwright/test/package.json')"`],
  ] as const)('has %s as a %s %s check running %s', (id, severity, kind, run) => {
    const check = WORKER_CONTRACT.checks.find((c) => c.id === id);
    expect(check).toMatchObject({ severity, kind, run });
    expect(check?.label.trim()).not.toBe('');
  });

  it('has exactly four hard and two soft checks with unique ids, failing on soft failures', () => {
    const { checks } = WORKER_CONTRACT;
    expect(checks.filter((c) => c.severity === 'hard')).toHaveLength(4);
    expect(checks.filter((c) => c.severity === 'soft')).toHaveLength(2);
    expect(new Set(checks.map((c) => c.id)).size).toBe(checks.length);
    expect(WORKER_CONTRACT.softFailures).toBe('fail');
  });

  it('records versions without holding them to a range', () => {
    for (const check of WORKER_CONTRACT.checks) {
      if (check.kind === 'version') expect(check).toMatchObject({ tool: check.id, pattern: null, range: null });
    }
  });

  it('is frozen so no caller can change what every image is held to', () => {
    expect(Object.isFrozen(WORKER_CONTRACT)).toBe(true);
    expect(Object.isFrozen(WORKER_CONTRACT.checks)).toBe(true);
    expect(WORKER_CONTRACT.checks.every((c) => Object.isFrozen(c))).toBe(true);
  });
});

describe('WORKER_CONTRACT_HASH', () => {
  it('is the computed hash, written out so that a short set never loads crypto', () => {
    expect(WORKER_CONTRACT_HASH).toBe(contractHash(WORKER_CONTRACT));
  });
});
