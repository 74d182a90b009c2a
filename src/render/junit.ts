import type { CheckResult } from '../domain/index.js';

/** One validated (or not) project, as `validate --junit` reports it. */
export interface JUnitItem {
  readonly project: string;
  readonly reference: string | null;
  readonly status: 'verified' | 'failed' | 'skipped';
  /** Why it failed or was skipped; null when verified. */
  readonly reason: string | null;
  readonly durationMs: number;
  /** undefined when the smoke test never produced results (pull failed, timeout, no bash…). */
  readonly checks: readonly CheckResult[] | undefined;
}

export interface JUnitOptions {
  /** Name of the <testsuites> root; default "cascade-image". */
  readonly suiteName?: string;
  /** ISO 8601 time the run started; copied to every <testsuite>. */
  readonly timestamp: string;
  readonly hostname?: string;
}

/** The synthetic testcase standing for the validation as a whole. */
export const VALIDATION_CASE = 'validation';

const MESSAGE_MAX_CHARS = 200;

type Outcome =
  | { readonly kind: 'passed' }
  | { readonly kind: 'failure'; readonly type: string; readonly message: string; readonly body: string }
  | { readonly kind: 'skipped'; readonly message: string };

interface Case {
  readonly name: string;
  readonly timeMs: number | undefined;
  readonly outcome: Outcome;
}

/**
 * JUnit XML in the shape Jenkins (junit step) and GitLab (artifacts:reports:junit) both read:
 * <testsuites> with totals, one <testsuite> per item (one per project), one <testcase> per
 * contract check with classname = project.
 *
 * Soft failures are <failure type="soft" message="soft: …">, not <skipped>: the check did
 * fail, and CI UIs show failures with their output while skipped cases are easily
 * overlooked. The project's own status is in the suite's <properties>.
 *
 * A `validation` testcase is added when the checks alone would not tell the outcome:
 * failing with the reason when no hard check failed yet the project failed (pull error,
 * timeout, no checks ran), skipped when validation was skipped, and passing when a
 * verified project has no check results.
 *
 * Checks have no durations of their own, so only the `validation` case and the suites carry time.
 */
export function renderJUnit(items: readonly JUnitItem[], options: JUnitOptions): string {
  const suites = items.map((item) => ({ item, cases: casesOf(item) }));
  const count = (cases: readonly Case[], kind: Outcome['kind']) => cases.filter((c) => c.outcome.kind === kind).length;
  const allCases = suites.flatMap((s) => s.cases);
  const totalMs = items.reduce((sum, item) => sum + safeMs(item.durationMs), 0);

  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  lines.push(
    `<testsuites${attributes([
      ['name', options.suiteName ?? 'cascade-image'],
      ['tests', allCases.length],
      ['failures', count(allCases, 'failure')],
      ['errors', 0],
      ['skipped', count(allCases, 'skipped')],
      ['time', seconds(totalMs)],
      ['timestamp', options.timestamp],
    ])}>`,
  );
  suites.forEach(({ item, cases }, index) => {
    lines.push(
      `  <testsuite${attributes([
        ['name', item.project],
        ['id', index],
        ['tests', cases.length],
        ['failures', count(cases, 'failure')],
        ['errors', 0],
        ['skipped', count(cases, 'skipped')],
        ['time', seconds(safeMs(item.durationMs))],
        ['timestamp', options.timestamp],
        ['hostname', options.hostname],
      ])}>`,
    );
    lines.push('    <properties>');
    if (item.reference !== null) lines.push(`      <property${attributes([['name', 'reference'], ['value', item.reference]])}/>`);
    lines.push(`      <property${attributes([['name', 'status'], ['value', item.status]])}/>`);
    if (item.reason !== null) lines.push(`      <property${attributes([['name', 'reason'], ['value', item.reason]])}/>`);
    lines.push('    </properties>');
    for (const testcase of cases) lines.push(...renderCase(item.project, testcase));
    lines.push('  </testsuite>');
  });
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

function casesOf(item: JUnitItem): Case[] {
  const checks = item.checks ?? [];
  const cases: Case[] = checks.map((check) => ({ name: check.label, timeMs: undefined, outcome: checkOutcome(check) }));
  const reason = item.reason ?? undefined;
  const validation = (outcome: Outcome): Case => ({ name: VALIDATION_CASE, timeMs: safeMs(item.durationMs), outcome });

  if (item.status === 'failed' && !checks.some((c) => !c.passed && c.severity === 'hard')) {
    const message = reason ?? 'validation failed';
    cases.push(validation({ kind: 'failure', type: 'validation', message: clip(oneLine(message)), body: message }));
  } else if (item.status === 'skipped') {
    cases.push(validation({ kind: 'skipped', message: clip(oneLine(reason ?? 'validation skipped')) }));
  } else if (cases.length === 0) {
    cases.push(validation({ kind: 'passed' }));
  }
  return cases;
}

function checkOutcome(check: CheckResult): Outcome {
  if (check.passed) return { kind: 'passed' };
  // What was found against what was expected; the status and last line only for hand-made results.
  const status = check.exitCode === null ? 'no result (the check did not finish)' : `exit ${check.exitCode}`;
  const last = lastLine(check.output);
  const found = oneLine(check.detail) || (last === '' ? status : `${status}: ${last}`);
  const summary = clip(found);
  return {
    kind: 'failure',
    type: check.severity,
    message: check.severity === 'soft' ? `soft: ${summary}` : summary,
    // The FAIL line people grep for, what was found, then the check's own output.
    body: [`FAIL: ${check.label} check failed`, found, ...(check.output === '' ? [] : ['', check.output])].join('\n'),
  };
}

function renderCase(project: string, testcase: Case): string[] {
  const open = `    <testcase${attributes([
    ['classname', project],
    ['name', testcase.name],
    ['time', testcase.timeMs === undefined ? undefined : seconds(testcase.timeMs)],
  ])}`;
  const { outcome } = testcase;
  switch (outcome.kind) {
    case 'passed':
      return [`${open}/>`];
    case 'skipped':
      return [`${open}>`, `      <skipped${attributes([['message', outcome.message]])}/>`, '    </testcase>'];
    case 'failure':
      return [
        `${open}>`,
        `      <failure${attributes([['message', outcome.message], ['type', outcome.type]])}>${escapeText(outcome.body)}</failure>`,
        '    </testcase>',
      ];
  }
}

function attributes(pairs: ReadonlyArray<readonly [string, string | number | undefined]>): string {
  return pairs
    .filter((pair): pair is readonly [string, string | number] => pair[1] !== undefined)
    .map(([name, value]) => ` ${name}="${escapeAttribute(String(value))}"`)
    .join('');
}

// ANSI colour sequences are noise in a CI UI; removed whole rather than leaving "[31m" behind.
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;
// Not allowed anywhere in an XML 1.0 document, not even as character references: C0 controls
// other than tab/LF/CR, U+FFFE/U+FFFF, and UTF-16 surrogates that are not part of a pair.
const ILLEGAL_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text that is legal in XML 1.0 at all; every escaper starts here. */
export function xmlSafe(text: string): string {
  return text.replace(ANSI, '').replace(ILLEGAL_XML, '');
}

export function escapeText(text: string): string {
  // '>' is escaped too so "]]>" in check output cannot appear; CR as a reference because
  // parsers turn a literal CR (or CRLF) into LF.
  return xmlSafe(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

export function escapeAttribute(text: string): string {
  // Tab, LF and CR as references: parsers normalize literal ones in attributes to spaces.
  return escapeText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;');
}

function safeMs(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

function seconds(ms: number): string {
  return (safeMs(ms) / 1000).toFixed(3);
}

function oneLine(text: string): string {
  return xmlSafe(text).replace(/\s+/g, ' ').trim();
}

function lastLine(output: string): string {
  return (
    output
      .split(/\r?\n/)
      .map(oneLine)
      .findLast((line) => line !== '') ?? ''
  );
}

function clip(text: string): string {
  return text.length <= MESSAGE_MAX_CHARS ? text : `${text.slice(0, MESSAGE_MAX_CHARS - 1)}…`;
}
