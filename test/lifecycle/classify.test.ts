import { describe, expect, it } from 'vitest';
import { classifyRevalidation, needsAttention, type Evaluation } from '../../src/lifecycle/classify.js';
import { failed, type ImageSlot, type ValidationVerdict } from '../../src/domain/index.js';
import { DockerFailure } from '../../src/errors.js';
import { slotWith } from '../support/slots.js';

const OLD = `r.test/w@sha256:${'1'.repeat(64)}`;
const NEW = `r.test/w@sha256:${'2'.repeat(64)}`;
const HASH = 'contract-v2';

const slot = (overrides: Partial<ImageSlot> = {}): ImageSlot => slotWith({ digest: OLD, generation: 3, contractHash: HASH, ...overrides });
const verified = (digest: string): ValidationVerdict => ({ status: 'verified', digest, pinKind: 'registry', warnings: [] });
const evaluation = (verdict: ValidationVerdict, pin: string | undefined, pullFailure?: DockerFailure): Evaluation => ({ verdict, pin, pullFailure, cached: false });
const checksFailed = failed('checks-failed', 'hard checks failed: git --version');
const gone = new DockerFailure('not-found', 'manifest unknown');

describe('classifyRevalidation', () => {
  it.each([
    ['unchanged: same digest, same contract', slot(), evaluation(verified(OLD), OLD), true, 'unchanged', 'verified', OLD],
    ['drifted: the tag moved to an image that passes → re-pinned', slot(), evaluation(verified(NEW), NEW), true, 'drifted', 'verified', NEW],
    ['drift-failed: the tag moved to an image that fails → old pin kept', slot(), evaluation(checksFailed, NEW), true, 'drift-failed', 'verified', OLD],
    ['contract changed, still passes', slot({ contractHash: 'contract-v1' }), evaluation(verified(OLD), OLD), true, 'contract-changed', 'verified', OLD],
    ['contract changed, the pinned image now fails → failed', slot({ contractHash: 'contract-v1' }), evaluation(checksFailed, OLD), true, 'contract-changed', 'failed', null],
    ['vanished, pinned image still local → kept', slot(), evaluation(failed('pull-not-found', 'gone'), undefined, gone), true, 'vanished', 'verified', OLD],
    ['vanished and gone locally → failed', slot(), evaluation(failed('pull-not-found', 'gone'), undefined, gone), false, 'vanished', 'failed', null],
    ['same image, same contract, now times out → kept, reported failed', slot(), evaluation(failed('timeout', 'timed out'), OLD), true, 'failed', 'verified', OLD],
    ['engine down during cron → kept, reported failed', slot(), evaluation(failed('engine-unavailable', 'down'), undefined), true, 'failed', 'verified', OLD],
    ['a pending slot takes the verdict', slot({ status: 'pending', digest: null }), evaluation(verified(NEW), NEW), true, 'verified', 'verified', NEW],
    ['a failed slot takes a failing verdict', slot({ status: 'failed', digest: null }), evaluation(checksFailed, NEW), true, 'failed', 'failed', null],
  ] as const)('%s', (_what, before, found, pinnedPresent, outcome, storedStatus, storedDigest) => {
    const result = classifyRevalidation(before, found, HASH, pinnedPresent);
    expect(result.outcome).toBe(outcome);
    expect(result.store.status).toBe(storedStatus);
    expect(result.store.status === 'verified' ? result.store.digest : null).toBe(storedDigest);
    // Whenever the slot keeps its pin despite a failure, the failure is still reported.
    if (result.store.status === 'verified' && found.verdict.status === 'failed') expect(result.finding).toBe(found.verdict);
  });
});

describe('needsAttention', () => {
  it.each([
    ['unchanged', false],
    ['verified', false],
    ['drifted', false],
    ['contract-changed', false],
    ['failed', true],
    ['drift-failed', true],
    ['drift-held', true],
    ['vanished', true],
    ['stale', true],
  ] as const)('%s → %s', (outcome, expected) => expect(needsAttention(outcome)).toBe(expected));
});
