import type { CheckResult } from '../domain/index.js';

/** The judged results of one validation, and the failures a verdict is made of. */
export interface SmokeReport {
  /** In contract order, container and config checks alike. */
  readonly results: readonly CheckResult[];
  /** Every container check reported an end marker (the script was not cut short). */
  readonly complete: boolean;
  readonly hardFailures: readonly CheckResult[];
  readonly softFailures: readonly CheckResult[];
}

/** `complete` comes from the caller: config checks never have an exit status, so results cannot tell. */
export function reportOf(results: readonly CheckResult[], complete: boolean): SmokeReport {
  return {
    results,
    complete,
    hardFailures: results.filter((r) => !r.passed && r.severity === 'hard'),
    softFailures: results.filter((r) => !r.passed && r.severity === 'soft'),
  };
}

const LINE_MAX_CHARS = 120;
const LABEL_MAX_CHARS = 80;
/** A detail may list several mismatches, each with a clipped line of output. */
const DETAIL_MAX_CHARS = 240;
const ERROR_HINT = /\b(?:error|not found|cannot|can't|denied|fail(?:ed|ure)?|no such|missing|fatal)\b/i;

/** Colour codes and other control characters (stray CRs, tabs) would garble a one-line summary. */
export function oneLine(text: string): string {
  return text
    .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '')
    // Title-setting and hyperlink sequences (OSC) end in BEL or ESC \.
    .replace(/\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?/g, '')
    .replace(/\u001b[@-_]?/g, '')
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Cut to `max` characters, marking the cut; never splits a surrogate pair. */
export function clip(text: string, max = LINE_MAX_CHARS): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * The line of a check's output most worth showing, one-lined and clipped: tools often end with
 * a version banner or a closing brace (node ends a stack trace with "Node.js v20…"), so the last
 * line that reads like an error wins over the plain last line with any letters or digits in it.
 * `otherwise: 'first'` suits output that ran fine but said the wrong thing: its banner comes first.
 * '' when nothing in the output is worth showing.
 */
export function meaningfulLine(output: string, otherwise: 'first' | 'last' = 'last'): string {
  const meaningful = output
    .split('\n')
    .map(oneLine)
    .filter((line) => /[\p{L}\p{N}]/u.test(line));
  const chosen = meaningful.findLast((line) => ERROR_HINT.test(line)) ?? (otherwise === 'first' ? meaningful[0] : meaningful.at(-1));
  return chosen === undefined ? '' : clip(chosen);
}

/** One failed check and what it found: `node --version (found v18.19.0, need >=20 <23)`. */
export function describeResult(result: CheckResult): string {
  // A failed result always carries a detail; the status is only a fallback for hand-made ones.
  const detail = oneLine(result.detail) || (result.exitCode === null ? 'no result' : `exit ${result.exitCode}`);
  return `${clip(oneLine(result.label), LABEL_MAX_CHARS)} (${clip(detail, DETAIL_MAX_CHARS)})`;
}

/**
 * One line naming every failing check with what it found, hard first, e.g.
 * `hard checks failed: node --version (found v18.19.0, need >=20 <23), git --version (exit 127,
 * expected 0: bash: git: command not found); soft checks failed: python --version (not on PATH)`.
 */
export function describeFailures(report: SmokeReport): string {
  const parts: string[] = [];
  if (report.hardFailures.length > 0) parts.push(`hard checks failed: ${report.hardFailures.map(describeResult).join(', ')}`);
  if (report.softFailures.length > 0) parts.push(`soft checks failed: ${report.softFailures.map(describeResult).join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'no checks failed';
}
