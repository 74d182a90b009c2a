import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ValidateItem } from '../commands/validate.js';
import { subjectName } from '../domain/index.js';
import { UsageError } from '../errors.js';
import { renderJUnit, type JUnitItem } from '../render/junit.js';

/** Writes `validate --junit FILE`: one testsuite per project, one testcase per check. */
export function writeJUnitReport(file: string, items: readonly ValidateItem[], run: { readonly timestamp: Date; readonly hostname: string }): void {
  const junitItems: JUnitItem[] = items.map((item) => {
    const project = subjectName(item.subject);
    if (item.outcome === undefined) {
      return { project, reference: item.reference, status: 'skipped', reason: item.skipped ?? null, durationMs: 0, checks: undefined };
    }
    const found = item.outcome.finding ?? item.outcome.verdict;
    return {
      project,
      reference: item.reference,
      status: found.status,
      reason: found.status === 'failed' ? found.reason : null,
      durationMs: item.outcome.durationMs,
      checks: item.outcome.checks,
    };
  });
  const xml = renderJUnit(junitItems, { suiteName: 'cascade-image validate', timestamp: run.timestamp.toISOString(), hostname: run.hostname });
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, xml);
  } catch (error) {
    throw new UsageError(`cannot write the JUnit report ${file}: ${error instanceof Error ? error.message : String(error)}`, {
      hint: 'choose a writable path for --junit',
    });
  }
}
