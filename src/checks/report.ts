import type { CheckContract, CheckSeverity } from './contract.js';
import { MARKER, OUTPUT_LINE_PREFIX } from './script.js';

export interface CheckResult {
  readonly id: string;
  readonly label: string;
  readonly severity: CheckSeverity;
  readonly passed: boolean;
  /** null when the check never reported an end marker (script killed, output cut short…). */
  readonly exitCode: number | null;
  /** Kept (capped) stdout+stderr of the check, without the protocol's line prefix. */
  readonly output: string;
}

export interface SmokeReport {
  readonly results: readonly CheckResult[];
  /** Every check reported an end marker. */
  readonly complete: boolean;
  readonly hardFailures: readonly CheckResult[];
  readonly softFailures: readonly CheckResult[];
}

// Only whole, unprefixed lines count as markers; the script prefixes every line a check
// prints, so these can only come from the script itself. Leading zeros are not produced
// by the script and are refused rather than guessed at.
const MARKER_LINE = new RegExp(`^${MARKER} (0|[1-9][0-9]*) (?:begin|end (0|[1-9][0-9]*))$`);
const BARE_PREFIX = OUTPUT_LINE_PREFIX.trimEnd();

interface Block {
  lines: string[];
  exitCode: number | null;
}

/**
 * Maps smoke-script output back to the contract's checks by index. Lines outside a
 * begin…end block (FAIL lines, stderr noise, engine chatter) are ignored; if an index is
 * reported twice the last block wins. Checks with no end marker count as failed.
 */
export function parseSmokeOutput(contract: CheckContract, output: string): SmokeReport {
  const blocks = new Map<number, Block>();
  let open: { index: number; block: Block } | null = null;

  // \r?\n: a container run with a TTY turns \n into \r\n.
  for (const line of output.split(/\r?\n/)) {
    const marker = MARKER_LINE.exec(line);
    if (marker) {
      const index = Number(marker[1]);
      const exit = marker[2];
      if (exit === undefined) {
        // A begin always starts afresh; an unterminated earlier block stays unreported.
        open = index < contract.checks.length ? { index, block: { lines: [], exitCode: null } } : null;
      } else if (open !== null && open.index === index) {
        open.block.exitCode = Number(exit);
        blocks.set(index, open.block);
        open = null;
      }
      continue;
    }
    if (open === null) continue;
    if (line.startsWith(OUTPUT_LINE_PREFIX)) open.block.lines.push(line.slice(OUTPUT_LINE_PREFIX.length));
    // Some log pipelines strip trailing spaces, turning an empty kept line "| " into "|".
    else if (line === BARE_PREFIX) open.block.lines.push('');
  }
  // A block that began but never ended still shows what little it printed.
  if (open !== null && !blocks.has(open.index)) blocks.set(open.index, open.block);

  const results: CheckResult[] = contract.checks.map((check, index) => {
    const block = blocks.get(index);
    const exitCode = block?.exitCode ?? null;
    return {
      id: check.id,
      label: check.label,
      severity: check.severity,
      passed: exitCode === 0,
      exitCode,
      output: block ? block.lines.join('\n') : '',
    };
  });
  return {
    results,
    complete: results.every((r) => r.exitCode !== null),
    hardFailures: results.filter((r) => !r.passed && r.severity === 'hard'),
    softFailures: results.filter((r) => !r.passed && r.severity === 'soft'),
  };
}

const DETAIL_MAX_CHARS = 120;
const ERROR_HINT = /\b(?:error|not found|cannot|can't|denied|fail(?:ed|ure)?|no such|missing|fatal)\b/i;

function oneLine(text: string): string {
  // Colour codes and other control characters (stray CRs, tabs) would garble the summary.
  return text
    .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function clip(text: string): string {
  return text.length <= DETAIL_MAX_CHARS ? text : `${text.slice(0, DETAIL_MAX_CHARS - 1)}…`;
}

/**
 * The line of a check's output most worth showing: tools often end with a version banner
 * or a closing brace (node ends a stack trace with "Node.js v20…"), so the last line that
 * reads like an error wins over the plain last line with any letters or digits in it.
 */
function detailOf(output: string): string {
  const meaningful = output
    .split('\n')
    .map(oneLine)
    .filter((line) => /[\p{L}\p{N}]/u.test(line));
  const chosen = meaningful.findLast((line) => ERROR_HINT.test(line)) ?? meaningful.at(-1);
  return chosen === undefined ? '' : clip(chosen);
}

function describeOne(result: CheckResult): string {
  const status = result.exitCode === null ? 'no result' : `exit ${result.exitCode}`;
  const detail = detailOf(result.output);
  return `${oneLine(result.label)} (${detail === '' ? status : `${status}: ${detail}`})`;
}

/**
 * One line naming every failing check, hard first, e.g.
 * `hard checks failed: git --version (exit 127: bash: git: command not found); soft checks failed: python --version (exit 127)`.
 */
export function describeFailures(report: SmokeReport): string {
  const parts: string[] = [];
  if (report.hardFailures.length > 0) {
    parts.push(`hard checks failed: ${report.hardFailures.map(describeOne).join(', ')}`);
  }
  if (report.softFailures.length > 0) {
    parts.push(`soft checks failed: ${report.softFailures.map(describeOne).join(', ')}`);
  }
  return parts.length > 0 ? parts.join('; ') : 'no checks failed';
}
