import { describe, expect, it } from 'vitest';
import { LABELS } from '../../src/lifecycle/labels.js';
import { abandonedReason, containerExpired, containerIsOrphan, needsValidation, runLiveness, type Here } from '../../src/lifecycle/leases.js';
import { projectSubject, type ValidationRunRecord } from '../../src/domain/index.js';

const NOW = new Date('2026-11-28T12:00:00Z');
const here: Here = { host: 'this-host', now: NOW, isAlive: (pid) => pid === 100 };
const run = (overrides: Partial<ValidationRunRecord>): ValidationRunRecord => ({
  runId: 'r1',
  subject: projectSubject('acme'),
  generation: 1,
  reference: 'r/w:1',
  startedAt: '2026-11-28T11:59:00Z',
  finishedAt: null,
  outcome: null,
  digest: null,
  error: null,
  durationMs: null,
  ownerPid: 100,
  ownerHost: 'this-host',
  leaseExpiresAt: '2026-11-28T12:10:00Z',
  ...overrides,
});

describe('runLiveness', () => {
  it.each([
    ['a running run of a live local process', {}, 'live'],
    ['a finished run', { finishedAt: '2026-11-28T11:59:30Z' }, 'finished'],
    ['a run past its lease', { leaseExpiresAt: '2026-11-28T11:59:59Z' }, 'lease-expired'],
    ['a run whose local process is gone (kill -9)', { ownerPid: 999 }, 'owner-gone'],
    ['a run on another host within its lease (cannot check the pid)', { ownerPid: 999, ownerHost: 'other' }, 'live'],
    ['a run on another host past its lease', { ownerHost: 'other', leaseExpiresAt: '2026-11-28T11:00:00Z' }, 'lease-expired'],
  ] as const)('%s → %s', (_what, overrides, expected) => {
    expect(runLiveness(run(overrides), here)).toBe(expected);
  });
});

describe('needsValidation / abandonedReason', () => {
  it('a pending slot with no run needs validation and says why', () => {
    expect(needsValidation(undefined, here)).toBe(true);
    expect(abandonedReason(undefined, here)).toMatch(/no validation has run/);
  });

  it('a live run is left alone', () => {
    expect(needsValidation(run({}), here)).toBe(false);
    expect(abandonedReason(run({}), here)).toBeUndefined();
  });

  it('a crashed run is taken over and explained', () => {
    expect(needsValidation(run({ ownerPid: 999 }), here)).toBe(true);
    expect(abandonedReason(run({ ownerPid: 999 }), here)).toMatch(/process 999 on this-host is gone/);
  });
});

describe('containerIsOrphan', () => {
  const container = (expires?: string): { id: string; labels: Record<string, string> } => ({ id: 'c', labels: expires === undefined ? {} : { [LABELS.expiresAt]: expires } });
  it.each([
    ['its run is live', run({}), container(), false],
    ['its run crashed', run({ ownerPid: 999 }), container(), true],
    ['its run finished', run({ finishedAt: '2026-11-28T11:59:30Z' }), container(), true],
    ['its run is unknown and expired', undefined, container('2026-11-28T11:00:00Z'), true],
    ['its run is unknown and not expired (another store)', undefined, container('2026-11-28T13:00:00Z'), false],
    ['its run is unknown and it carries no expiry', undefined, container(), false],
  ] as const)('a container whose %s → orphan %s', (_what, record, facts, expected) => {
    expect(containerIsOrphan(facts, record, here)).toBe(expected);
  });
});

describe('containerExpired', () => {
  const labelled = (expires: string) => ({ id: 'c', labels: { [LABELS.expiresAt]: expires } });
  it.each([
    ['an hour ago', '2026-11-28T11:00:00Z', true],
    ['exactly now', '2026-11-28T12:00:00Z', true],
    ['in an hour', '2026-11-28T13:00:00Z', false],
    ['not a time', 'soon', false],
  ] as const)('expiry %s → expired %s', (_when, expires, expected) => {
    expect(containerExpired(labelled(expires), here.now)).toBe(expected);
  });
});
