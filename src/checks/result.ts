import type { Check, CheckResult } from '../domain/index.js';

/** What a check reported, before judgement: nothing for a config check (no container ran). */
export interface Reported {
  readonly exitCode: number | null;
  readonly output: string;
}

const NOTHING: Reported = { exitCode: null, output: '' };

/** The one shape of a judged check: it passed when nothing mismatched, and its detail lists every mismatch. */
export function checkResult(check: Check, mismatches: readonly string[], reported: Reported = NOTHING, extra: Partial<CheckResult> = {}): CheckResult {
  return {
    id: check.id,
    label: check.label,
    kind: check.kind,
    severity: check.severity,
    passed: mismatches.length === 0,
    exitCode: reported.exitCode,
    output: reported.output,
    detail: mismatches.join('; '),
    ...extra,
  };
}
