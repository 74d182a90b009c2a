import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import type { LifecycleEvent } from '../../src/domain/index.js';
import { DEFAULT_SUBJECT, projectSubject, type ImageSlot, type ValidationVerdict } from '../../src/domain/index.js';
import { finishedLine, slotLine } from '../../src/render/lifecycle.js';
import { slotWith } from '../support/slots.js';

// Scripts grep these lines: the grammar is asserted to the character, without colour.
const plain = new Chalk({ level: 0 });
const PIN = `r.test/acme/worker@sha256:${'a'.repeat(64)}`;
const OLD = `r.test/acme/worker@sha256:${'b'.repeat(64)}`;

const slot = (overrides: Partial<ImageSlot> = {}): ImageSlot => slotWith({ reference: 'r.test/acme/worker:1', digest: PIN, contractHash: 'h', ...overrides });

const finished = (overrides: Partial<Extract<LifecycleEvent, { type: 'finished' }>>): Extract<LifecycleEvent, { type: 'finished' }> => ({
  type: 'finished',
  inventoryChanges: undefined,
  subject: projectSubject('acme'),
  reference: 'r.test/acme/worker:1',
  generation: 1,
  verdict: { status: 'verified', digest: PIN, pinKind: 'registry', warnings: [] },
  finding: undefined,
  outcome: 'verified',
  cached: false,
  repeated: false,
  stored: 'stored',
  durationMs: 10,
  ...overrides,
});
const checksFailed: ValidationVerdict = { status: 'failed', cause: 'checks-failed', reason: 'hard checks failed: git --version' };

describe('slotLine', () => {
  it.each([
    ['pending', slot({ status: 'pending', digest: null }), 'acme  pending  r.test/acme/worker:1'],
    ['verified', slot({}), `acme  verified → ${PIN}`],
    ['verified local', slot({ digest: 'sha256:local', pinKind: 'local' }), 'acme  verified → sha256:local  (local image ID, --allow-local)'],
    ['failed', slot({ status: 'failed', digest: null, error: 'hard checks failed:\ngit --version' }), 'acme  failed: hard checks failed: git --version'],
    ['global default', slot({ reference: null, status: null, digest: null }), 'acme  (global default)'],
    ['the default slot', slot({ subject: DEFAULT_SUBJECT, status: 'pending', digest: null }), '(default)  pending  r.test/acme/worker:1'],
  ])('%s', (_what, value, line) => {
    expect(slotLine(value, value.subject, plain)).toBe(line);
  });
});

describe('finishedLine', () => {
  it.each([
    ['verified', finished({}), `acme  verified → ${PIN}`],
    ['failed', finished({ verdict: checksFailed, outcome: 'failed' }), 'acme  failed: hard checks failed: git --version'],
    ['unchanged, cached', finished({ outcome: 'unchanged', cached: true }), `acme  verified → ${PIN}  (unchanged; cached verdict: no container ran)`],
    ['drifted', finished({ outcome: 'drifted' }), `acme  verified → ${PIN}  (drifted: r.test/acme/worker:1 moved; re-pinned)`],
    [
      'drift-failed keeps the old pin but reads as failed',
      finished({ outcome: 'drift-failed', verdict: { status: 'verified', digest: OLD, pinKind: 'registry', warnings: [] }, finding: checksFailed }),
      `acme  failed: drifted: r.test/acme/worker:1 now resolves to an image that fails (hard checks failed: git --version); still launchable at ${OLD}`,
    ],
    [
      'vanished with the pin kept',
      finished({ outcome: 'vanished', verdict: { status: 'verified', digest: OLD, pinKind: 'registry', warnings: [] }, finding: { status: 'failed', cause: 'pull-not-found', reason: 'gone' } }),
      `acme  failed: vanished: gone; kept ${OLD} (still present locally)`,
    ],
    ['contract changed and failing', finished({ outcome: 'contract-changed', verdict: checksFailed }), 'acme  failed: contract changed: hard checks failed: git --version'],
    [
      'stale',
      finished({ stored: 'stale' }),
      `acme  stale: dropped the result for r.test/acme/worker:1 (verified ${PIN}); the project changed while it was validated`,
    ],
  ])('%s', (_what, event, line) => {
    expect(finishedLine(event, plain)).toBe(line);
  });
});
