import { describe, expect, it } from 'vitest';
import { WORKER_CONTRACT } from '../../src/checks/worker-contract.js';
import { DEFAULT_SUBJECT, projectSubject, type StoredContract } from '../../src/domain/index.js';
import { BUILTIN_CONTRACT, effectiveContract } from '../../src/lifecycle/contracts.js';

const stored = (hash: string, name: string): StoredContract => ({
  hash,
  contract: { ...WORKER_CONTRACT, name },
  sourceText: `contract: 1\nname: ${name}\n`,
  setBy: 'alice',
  setAt: '2026-12-01T00:00:00.000Z',
});

describe('effectiveContract', () => {
  const own = stored('a'.repeat(64), 'payments');
  const fallback = stored('b'.repeat(64), 'house');
  const cases = [
    ['a project with its own contract', projectSubject('payments'), { default: fallback, projects: new Map([['payments', own]]) }, 'project', own.hash],
    ['a project without one, under a default contract', projectSubject('web'), { default: fallback, projects: new Map([['payments', own]]) }, 'default', fallback.hash],
    ['a project when nothing is assigned', projectSubject('web'), { default: undefined, projects: new Map() }, 'builtin', BUILTIN_CONTRACT.hash],
    ['the global default, under a default contract', DEFAULT_SUBJECT, { default: fallback, projects: new Map([['payments', own]]) }, 'default', fallback.hash],
    ['the global default when nothing is assigned', DEFAULT_SUBJECT, { default: undefined, projects: new Map() }, 'builtin', BUILTIN_CONTRACT.hash],
  ] as const;
  it.each(cases)('%s', (_name, subject, assignments, source, hash) => {
    const effective = effectiveContract(subject, assignments);
    expect(effective.source).toBe(source);
    expect(effective.hash).toBe(hash);
  });
});
