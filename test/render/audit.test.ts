import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/domain/index.js';
import { renderAudit } from '../../src/render/human.js';

const plain = new Chalk({ level: 0 });
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

const entry = (overrides: Partial<AuditEntry>): AuditEntry => ({ id: 1, at: 't', actor: 'alice', project: 'payments', event: 'e', from: null, to: null, detail: null, ...overrides });

describe('renderAudit: contract changes', () => {
  it('names each contract by the first 12 digits of its hash', () => {
    expect(
      renderAudit(
        [
          entry({ event: 'contract_set', from: A, to: B, detail: { fromContract: A, toContract: B } }),
          entry({ event: 'contract_set', project: null, to: A, detail: { fromContract: null, toContract: A } }),
          entry({ event: 'contract_cleared', from: B, detail: { fromContract: B, toContract: null } }),
        ],
        plain,
      ),
    ).toEqual([
      `t  alice  payments  contract_set  ${'a'.repeat(12)}… → ${'b'.repeat(12)}…`,
      `t  alice  (global)  contract_set  (none) → ${'a'.repeat(12)}…`,
      `t  alice  payments  contract_cleared  ${'b'.repeat(12)}… → (none)`,
    ]);
  });
});
