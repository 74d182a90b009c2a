import { describe, expect, it } from 'vitest';
import { canonicalJson, contractHash } from '../../src/checks/contract-hash.js';
import { WORKER_CONTRACT } from '../../src/checks/worker-contract.js';
import type { Check, CheckContract } from '../../src/domain/index.js';

describe('canonicalJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });
});

describe('contractHash', () => {
  const base = WORKER_CONTRACT;
  const withCheck = (index: number, patch: Partial<Check>): CheckContract => ({
    ...base,
    checks: base.checks.map((c, i) => (i === index ? ({ ...c, ...patch } as Check) : c)),
  });

  it('is a sha256 hex digest, stable across calls and copies', () => {
    const hash = contractHash(base);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(contractHash(base)).toBe(hash);
    expect(contractHash(structuredClone(base))).toBe(hash);
  });

  it('ignores key order', () => {
    const reordered = Object.fromEntries(Object.entries(base).reverse()) as unknown as CheckContract;
    const checks = base.checks.map((c) => Object.fromEntries(Object.entries(c).reverse()) as unknown as Check);
    expect(contractHash({ ...reordered, checks })).toBe(contractHash(base));
  });

  it.each<[string, CheckContract]>([
    ['a command changes', withCheck(3, { run: 'command -v claude' })],
    ['a label changes', withCheck(0, { label: 'cascade-tools present' })],
    ['an id changes', withCheck(1, { id: 'nodejs' })],
    ['a severity changes', withCheck(4, { severity: 'hard' })],
    ['the soft-failure policy changes', { ...base, softFailures: 'warn' }],
    ['the name changes', { ...base, name: 'other' }],
    ['a check is removed', { ...base, checks: base.checks.slice(1) }],
    ['checks are reordered', { ...base, checks: [...base.checks].reverse() }],
  ])('changes when %s', (_what, changed) => {
    expect(contractHash(changed)).not.toBe(contractHash(base));
  });
});
