import { describe, expect, it } from 'vitest';
import { DEFAULT_SUBJECT, type ImageSlot } from '../../src/domain/index.js';
import { decideLaunchImage } from '../../src/lifecycle/resolution.js';
import { slotWith } from '../support/slots.js';

const DIGEST = `r.test/w@sha256:${'d'.repeat(64)}`;
const slot = (overrides: Partial<ImageSlot> = {}): ImageSlot => slotWith({ digest: DIGEST, ...overrides });

describe('decideLaunchImage', () => {
  it('hands out the pinned digest of a verified project', () => {
    expect(decideLaunchImage(slot({}), { source: 'none' })).toMatchObject({ image: DIGEST, source: 'project', unvalidated: false });
  });

  it.each([
    ['pending', 75, /pending validation/],
    ['failed', 1, /failed validation: broken/],
  ] as const)('refuses a %s project with exit %d', (status, exitCode, message) => {
    expect(() => decideLaunchImage(slot({ status, digest: null, error: 'broken' }), { source: 'none' })).toThrow(expect.objectContaining({ exitCode, message: expect.stringMatching(message) }));
  });

  it('falls back to the stored default, only when verified', () => {
    const project = slot({ reference: null, status: null, digest: null });
    const verifiedDefault = slot({ subject: DEFAULT_SUBJECT });
    expect(decideLaunchImage(project, { source: 'store', slot: verifiedDefault })).toMatchObject({ image: DIGEST, source: 'default' });
    expect(() => decideLaunchImage(project, { source: 'store', slot: slot({ subject: DEFAULT_SUBJECT, status: 'failed', digest: null, error: 'x' }) })).toThrow(/failed validation/);
  });

  it('uses the environment default, marked unvalidated', () => {
    const project = slot({ reference: null, status: null, digest: null });
    expect(decideLaunchImage(project, { source: 'env', reference: 'env/worker:1' })).toEqual({ image: 'env/worker:1', source: 'env-default', pinKind: null, unvalidated: true, warnings: [] });
  });

  it('refuses when there is no image at all', () => {
    expect(() => decideLaunchImage(slot({ reference: null, status: null, digest: null }), { source: 'none' })).toThrow(/no global default is configured/);
  });
});
