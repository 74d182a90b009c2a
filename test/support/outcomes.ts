import type { OutcomeClass, ValidationVerdict } from '../../src/domain/index.js';
import type { ValidationOutcome } from '../../src/lifecycle/validator.js';

/** A validation outcome for tests of what is built on outcomes (exit codes, summaries). */
export function outcomeOf(verdict: ValidationVerdict, outcome: OutcomeClass, extra: Partial<ValidationOutcome> = {}): ValidationOutcome {
  return {
    verdict,
    outcome,
    finding: undefined,
    stored: 'stored',
    runId: 'r',
    durationMs: 1,
    cached: false,
    repeated: false,
    checks: undefined,
    ranContainer: false,
    inventory: undefined,
    inventoryChanges: undefined,
    contractHash: 'c'.repeat(64),
    ...extra,
  };
}
