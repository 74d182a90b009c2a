import { describe, expect, it } from 'vitest';
import { exitCodeForOutcomes } from '../../src/cli/exit-codes.js';
import type { ValidationVerdict } from '../../src/domain/index.js';
import { outcomeOf } from '../support/outcomes.js';

const verified: ValidationVerdict = { status: 'verified', digest: 'r/w@sha256:x', pinKind: 'registry', warnings: [] };
const failed = (cause: 'checks-failed' | 'engine-unavailable'): ValidationVerdict => ({ status: 'failed', cause, reason: cause });
const outcome = outcomeOf;

describe('exitCodeForOutcomes', () => {
  it.each([
    ['nothing at all', [], undefined, 0],
    ['verified and unchanged', [outcome(verified, 'verified'), outcome(verified, 'unchanged'), outcome(verified, 'drifted')], undefined, 0],
    ['one failed among verified', [outcome(verified, 'verified'), outcome(failed('checks-failed'), 'failed')], undefined, 1],
    ['a drift that failed, old pin kept', [outcome(verified, 'drift-failed', { finding: failed('checks-failed') })], undefined, 1],
    ['a stale result', [outcome(verified, 'verified', { stored: 'stale' })], undefined, 1],
    ['the engine down, even with a kept pin', [outcome(verified, 'failed', { finding: failed('engine-unavailable') })], undefined, 69],
    ['the engine down beats other failures', [outcome(failed('checks-failed'), 'failed'), outcome(failed('engine-unavailable'), 'failed')], undefined, 69],
    ['interrupted by SIGINT', [outcome(verified, 'verified')], 'SIGINT', 130],
    ['interrupted by SIGTERM', [], 'SIGTERM', 143],
  ] as const)('%s → %d', (_what, outcomes, signal, code) => {
    expect(exitCodeForOutcomes(outcomes, signal)).toBe(code);
  });
});
