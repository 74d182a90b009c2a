import { projectSubject, type ImageSlot } from '../../src/domain/index.js';

/** A verified project slot for pure tests: project `acme`, reference `r.test/w:1`; override what the test is about. */
export function slotWith(overrides: Partial<ImageSlot> = {}): ImageSlot {
  return {
    subject: projectSubject('acme'),
    reference: 'r.test/w:1',
    status: 'verified',
    digest: `r.test/w@sha256:${'0'.repeat(64)}`,
    pinKind: 'registry',
    error: null,
    allowLocal: false,
    generation: 1,
    createdAt: 't',
    updatedAt: 't',
    validatedAt: 't',
    contractHash: null,
    warnings: [],
    inventory: null,
    held: null,
    ...overrides,
  };
}
