import { contractHash, type CheckContract } from './contract.js';

/*
 * Output protocol (what the generated script prints on stdout, read back by report.ts):
 *
 *   @@cascade-check <index> begin
 *   | <kept output line>            (zero or more; every kept line gets the "| " prefix)
 *   @@cascade-check <index> end <exit-code>
 *   FAIL: <label> check failed      (only when the check failed; for people and grep)
 *
 * Why a prefix instead of a nonce: the check's output is captured and re-emitted by the
 * script, and every line of it is prefixed, so no line a check prints can ever begin with
 * "@@cascade-check" or "FAIL:". Forging another check's marker (or a FAIL line) is therefore
 * impossible by construction, the script stays deterministic (same contract, same script),
 * and the parser needs nothing but the output. The parser still trusts only unprefixed
 * marker lines and, should an index appear twice, the last block.
 */

export const MARKER = '@@cascade-check';
export const OUTPUT_LINE_PREFIX = '| ';
export const DEFAULT_OUTPUT_LIMIT_BYTES = 2048;
/** Kept output is re-emitted from a shell variable; beyond this it stops being a summary. */
export const MAX_OUTPUT_LIMIT_BYTES = 1024 * 1024;

export interface SmokeScriptOptions {
  /** Bytes of merged stdout+stderr kept per check (default 2048). Never changes a verdict. */
  readonly outputLimitBytes?: number;
}

/** Single-quoted shell word: nothing inside is expanded, a quote becomes '\''. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

// Labels land on the one-line `FAIL:` message; a control character (newline, CR, ESC…) would
// break that line for grep or rewrite a terminal, so such labels are refused, not escaped.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

function validate(contract: CheckContract, limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 0 || limit > MAX_OUTPUT_LIMIT_BYTES) {
    throw new RangeError(
      `outputLimitBytes must be an integer from 0 to ${MAX_OUTPUT_LIMIT_BYTES}, got ${String(limit)}`,
    );
  }
  contract.checks.forEach((check, index) => {
    if (check.label.trim() === '' || CONTROL_CHARACTER.test(check.label)) {
      throw new Error(
        `check ${index} (${JSON.stringify(check.id)}): label must be non-empty single-line text without control characters, got ${JSON.stringify(check.label)}`,
      );
    }
    // A bash script cannot carry NUL; an empty command would be a check that always passes.
    if (check.command.trim() === '' || check.command.includes('\u0000')) {
      throw new Error(
        `check ${index} (${JSON.stringify(check.id)}): command must be non-empty shell code without NUL characters`,
      );
    }
  });
}

// Reads up to $1 bytes (LC_ALL=C so read -N counts bytes, not characters), then keeps
// draining to EOF so a flooding check never meets SIGPIPE and its exit status stays its own.
// Builtins only: the image may lack head/cat. NUL bytes are dropped by read (a shell
// variable cannot hold them), which is fine for diagnostic text.
const KEEP_FUNCTION = `__cascade_keep() {
  local LC_ALL=C kept= rest=
  IFS= read -r -N "$1" kept
  while IFS= read -r -N 65536 rest; do :; done
  [ -n "$kept" ] || return 0
  kept=\${kept%$'\\n'}
  printf '${OUTPUT_LINE_PREFIX}%s\\n' "\${kept//$'\\n'/$'\\n'${OUTPUT_LINE_PREFIX}}"
}`;

/**
 * Builds the bash program for `bash -c SCRIPT` (deliberately not `bash -l`: a login shell
 * resets PATH on Debian images and would hide tools the image put on PATH).
 *
 * Every check runs, in order, whatever happened before it: in a subshell (it cannot alter
 * the script's own state), through `eval` (a syntax error in one command fails only that
 * check), with stdin from /dev/null (it cannot block or eat input), stdout+stderr merged.
 * Exit status: 0 when every hard check passed, 1 otherwise; soft failures only print.
 */
export function buildSmokeScript(contract: CheckContract, options: SmokeScriptOptions = {}): string {
  const limit = options.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES;
  validate(contract, limit);

  const lines = [
    `# cascade-image worker smoke test: contract v${contract.version}, sha256 ${contractHash(contract)}.`,
    '# Generated; run with bash -c (not a login shell).',
    KEEP_FUNCTION,
    '__cascade_hard_failed=0',
  ];
  contract.checks.forEach((check, index) => {
    lines.push(
      '',
      `printf '%s\\n' '${MARKER} ${index} begin'`,
      `( eval ${shellQuote(check.command)} ) </dev/null 2>&1 | __cascade_keep ${limit}`,
      '__cascade_rc=${PIPESTATUS[0]}',
      `printf '${MARKER} %s end %s\\n' ${index} "$__cascade_rc"`,
      'if [ "$__cascade_rc" -ne 0 ]; then',
      // The label is printf's argument, never its format, so % sequences print verbatim.
      `  printf 'FAIL: %s check failed\\n' ${shellQuote(check.label)}`,
      ...(check.severity === 'hard' ? ['  __cascade_hard_failed=1'] : []),
      'fi',
    );
  });
  lines.push('', 'exit "$__cascade_hard_failed"', '');
  return lines.join('\n');
}
