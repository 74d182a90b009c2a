import { describe, expect, it } from 'vitest';
import { WORKER_CONTRACT, contractHash, type CheckContract } from '../../src/checks/contract.js';

describe('WORKER_CONTRACT', () => {
  it.each([
    ['cascade-tools', 'hard', 'cascade-tools --version'],
    ['node', 'hard', 'node --version'],
    ['git', 'hard', 'git --version'],
    ['engine-cli', 'hard', 'command -v claude || command -v codex || command -v opencode'],
    ['python', 'soft', 'python --version'],
    ['playwright', 'soft', `NODE_PATH=$(npm root -g) node -e "require('@playwright/test/package.json')"`],
  ] as const)('has %s as a %s check running %s', (id, severity, command) => {
    const check = WORKER_CONTRACT.checks.find((c) => c.id === id);
    expect(check).toMatchObject({ severity, command });
    expect(check?.label.trim()).not.toBe('');
  });

  it('has exactly four hard and two soft checks with unique ids', () => {
    const { checks } = WORKER_CONTRACT;
    expect(checks.filter((c) => c.severity === 'hard')).toHaveLength(4);
    expect(checks.filter((c) => c.severity === 'soft')).toHaveLength(2);
    expect(new Set(checks.map((c) => c.id)).size).toBe(checks.length);
  });

  it('is frozen so no caller can change what every image is held to', () => {
    expect(Object.isFrozen(WORKER_CONTRACT)).toBe(true);
    expect(Object.isFrozen(WORKER_CONTRACT.checks)).toBe(true);
    expect(WORKER_CONTRACT.checks.every((c) => Object.isFrozen(c))).toBe(true);
  });
});

describe('contractHash', () => {
  const base = WORKER_CONTRACT;
  const withCheck = (index: number, patch: object): CheckContract => ({
    ...base,
    checks: base.checks.map((c, i) => (i === index ? { ...c, ...patch } : c)),
  });

  it('is a sha256 hex digest, stable across calls and copies', () => {
    const hash = contractHash(base);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(contractHash(base)).toBe(hash);
    expect(contractHash(structuredClone(base))).toBe(hash);
  });

  it('ignores key order and extra properties', () => {
    const reordered: CheckContract = {
      checks: base.checks.map((c) => ({ command: c.command, severity: c.severity, label: c.label, id: c.id })),
      version: base.version,
    };
    expect(contractHash(reordered)).toBe(contractHash(base));
    const extra = { ...base, note: 'x', checks: base.checks.map((c) => ({ ...c, note: 'y' })) };
    expect(contractHash(extra)).toBe(contractHash(base));
  });

  it.each<[string, CheckContract]>([
    ['a command changes', withCheck(2, { command: 'git version' })],
    ['a label changes', withCheck(0, { label: 'cascade-tools present' })],
    ['an id changes', withCheck(1, { id: 'nodejs' })],
    ['a severity changes', withCheck(4, { severity: 'hard' })],
    ['the version changes', { ...base, version: base.version + 1 }],
    ['a check is removed', { ...base, checks: base.checks.slice(1) }],
    ['checks are reordered', { ...base, checks: [...base.checks].reverse() }],
  ])('changes when %s', (_what, changed) => {
    expect(contractHash(changed)).not.toBe(contractHash(base));
  });
});
