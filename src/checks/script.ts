import type { ContainerCheck } from '../domain/index.js';

/*
 * Output protocol (what the generated script prints on stdout, read back by report.ts):
 *
 *   @@cascade-check <index> begin
 *   @@cascade-check <index> path                     version checks, when `command -v` found the tool
 *   | <path as command -v printed it>
 *   @@cascade-check <index> output                   version checks: their output follows
 *   @@cascade-check <index> file <type> <x>          file checks, when something exists at the path:
 *                                                    type file|directory|other, x 1|0 (`[ -x ]`)
 *   @@cascade-check <index> stat                     file checks, when `stat` is on PATH
 *   | <stat -L -c '%a %u %U' output>
 *   | <kept output line>                             zero or more, right after begin or output
 *   @@cascade-check <index> end <exit-code>
 *   FAIL: <label> check failed                       see "FAIL lines" below
 *
 * Why a prefix instead of a nonce: everything that comes from the image (a check's output, a
 * path, what stat printed) is captured and re-emitted by the script with "| " before every
 * line, so no such line can ever begin with "@@cascade-check" or "FAIL:". Forging another
 * check's marker, a path or file facts (or a FAIL line) by printing text is therefore
 * impossible by construction, the script stays deterministic (same checks, same script), and
 * the parser needs nothing but the output. The parser still trusts only unprefixed marker
 * lines and, should an index appear twice, the last block. (A process that writes straight to
 * the script's own stdout, e.g. through /proc/$$/fd/1, is outside what text can do: the
 * contract's code is the operator's, and an image that wants to lie can always lie.)
 *
 * FAIL lines: the host's judgement (judge.ts) is what counts; the script prints FAIL only
 * when the exit status alone proves the check failed, so a passing contract never has one:
 *   - a command check whose exit status differs from its `exitCode` (output patterns are
 *     judged on the host, so a matching status is no proof of passing, and prints nothing);
 *   - a file check where nothing exists at the path (every file check needs the path).
 * Version checks never print one: whether a version was read and is in range is for the host.
 * The script exits 1 when a hard check printed FAIL, else 0; soft checks only print.
 */

export const MARKER = '@@cascade-check';
export const OUTPUT_LINE_PREFIX = '| ';
export const DEFAULT_OUTPUT_LIMIT_BYTES = 2048;
/** Kept output is re-emitted from a shell variable; beyond this it stops being a summary. */
export const MAX_OUTPUT_LIMIT_BYTES = 1024 * 1024;
/** Bytes of stat's answer kept; mode, uid and a user name fit many times over. */
const STAT_LIMIT_BYTES = 256;

export interface SmokeScriptOptions {
  /** Bytes of merged stdout+stderr kept per check (default 2048). Never changes a verdict. */
  readonly outputLimitBytes?: number;
  /** Comment text put at the top of the script (e.g. the contract's name and hash); may span lines. */
  readonly header?: string;
}

/** Single-quoted shell word: nothing inside is expanded, a quote becomes '\''. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

// Labels land on the one-line `FAIL:` message; a control character (newline, CR, ESC…) would
// break that line for grep or rewrite a terminal, so such labels are refused, not escaped.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

function refuse(index: number, check: ContainerCheck, what: string): never {
  throw new Error(`check ${index} (${JSON.stringify(check.id)}): ${what}`);
}

/** Shell text must be non-empty, and a bash script cannot carry NUL. */
function requireText(index: number, check: ContainerCheck, field: string, text: string): void {
  if (text.trim() === '' || text.includes('\u0000')) refuse(index, check, `${field} must be non-empty text without NUL characters`);
}

function validate(checks: readonly ContainerCheck[], options: SmokeScriptOptions, limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 0 || limit > MAX_OUTPUT_LIMIT_BYTES) {
    throw new RangeError(`outputLimitBytes must be an integer from 0 to ${MAX_OUTPUT_LIMIT_BYTES}, got ${String(limit)}`);
  }
  if (options.header?.includes('\u0000')) throw new Error('header must not contain NUL characters');
  checks.forEach((check, index) => {
    if (check.label.trim() === '' || CONTROL_CHARACTER.test(check.label)) {
      refuse(index, check, `label must be non-empty single-line text without control characters, got ${JSON.stringify(check.label)}`);
    }
    switch (check.kind) {
      case 'command':
        // An empty command would be a check that always passes; the status lands in script text.
        requireText(index, check, 'run', check.run);
        if (!Number.isInteger(check.exitCode) || check.exitCode < 0 || check.exitCode > 255) {
          refuse(index, check, `exitCode must be an integer from 0 to 255, got ${String(check.exitCode)}`);
        }
        return;
      case 'version':
        requireText(index, check, 'tool', check.tool);
        requireText(index, check, 'run', check.run);
        return;
      case 'file':
        requireText(index, check, 'path', check.path);
        return;
      default:
        // Config checks are decided from the image's configuration; the caller filters them out.
        refuse(index, check, `a ${String((check as { kind: unknown }).kind)} check cannot run in the smoke container`);
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

// $1 index, $2 tool. A path is image data (a PATH entry may hold any character, even a
// newline), so it is printed like output: every line prefixed.
const PATH_FUNCTION = `__cascade_path() {
  local found
  found=$(command -v -- "$2") || return 0
  printf '${MARKER} %s path\\n' "$1"
  printf '${OUTPUT_LINE_PREFIX}%s\\n' "\${found//$'\\n'/$'\\n'${OUTPUT_LINE_PREFIX}}"
}`;

// $1 index, $2 path. Builtins say whether and what exists, following symlinks as test and
// stat -L do (a dangling link is nothing); stat, when the image has one, adds mode and owner.
// Status 0 when the path exists, 1 when not; a missing or failing stat only leaves facts unknown.
const FILE_FUNCTION = `__cascade_file() {
  local type=other x=0
  [ -e "$2" ] || return 1
  if [ -d "$2" ]; then type=directory; elif [ -f "$2" ]; then type=file; fi
  [ -x "$2" ] && x=1
  printf '${MARKER} %s file %s %s\\n' "$1" "$type" "$x"
  command -v stat >/dev/null || return 0
  printf '${MARKER} %s stat\\n' "$1"
  stat -L -c '%a %u %U' -- "$2" </dev/null 2>&1 | __cascade_keep ${STAT_LIMIT_BYTES}
  return 0
}`;

function markerLine(index: number, rest: string): string {
  return `printf '%s\\n' ${shellQuote(`${MARKER} ${index} ${rest}`)}`;
}

/** Runs shell code as a check: subshell, eval (a syntax error fails only this check), no stdin. */
function runLines(code: string, limit: number): string[] {
  return [`( eval ${shellQuote(code)} ) </dev/null 2>&1 | __cascade_keep ${limit}`, '__cascade_rc=${PIPESTATUS[0]}'];
}

function checkLines(check: ContainerCheck, index: number, limit: number): string[] {
  let body: string[];
  // The exit status that proves nothing else passes it; null: the script cannot tell.
  let expected: number | null;
  switch (check.kind) {
    case 'command':
      body = runLines(check.run, limit);
      expected = check.exitCode;
      break;
    case 'version':
      body = [`__cascade_path ${index} ${shellQuote(check.tool)}`, markerLine(index, 'output'), ...runLines(check.run, limit)];
      expected = null;
      break;
    case 'file':
      body = [`__cascade_file ${index} ${shellQuote(check.path)}`, '__cascade_rc=$?'];
      expected = 0;
      break;
  }
  const lines = ['', markerLine(index, 'begin'), ...body, `printf '${MARKER} %s end %s\\n' ${index} "$__cascade_rc"`];
  if (expected !== null) {
    lines.push(
      `if [ "$__cascade_rc" -ne ${expected} ]; then`,
      // The label is printf's argument, never its format, so % sequences print verbatim.
      `  printf 'FAIL: %s check failed\\n' ${shellQuote(check.label)}`,
      ...(check.severity === 'hard' ? ['  __cascade_hard_failed=1'] : []),
      'fi',
    );
  }
  return lines;
}

/**
 * Builds the bash program for `bash -c SCRIPT` (deliberately not `bash -l`: a login shell
 * resets PATH on Debian images and would hide tools the image put on PATH).
 *
 * Every check runs, in order, whatever happened before it: in a subshell (it cannot alter
 * the script's own state), through `eval` (a syntax error in one command fails only that
 * check), with stdin from /dev/null (it cannot block or eat input), stdout+stderr merged.
 * Config checks never get here: the caller decides them from the image's configuration.
 */
export function buildSmokeScript(checks: readonly ContainerCheck[], options: SmokeScriptOptions = {}): string {
  const limit = options.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES;
  validate(checks, options, limit);

  const lines = [
    '# cascade-image smoke test. Generated; run with bash -c (not a login shell).',
    ...(options.header === undefined ? [] : options.header.split('\n').map((line) => `# ${line}`)),
    KEEP_FUNCTION,
    PATH_FUNCTION,
    FILE_FUNCTION,
    '__cascade_hard_failed=0',
  ];
  checks.forEach((check, index) => lines.push(...checkLines(check, index, limit)));
  lines.push('', 'exit "$__cascade_hard_failed"', '');
  return lines.join('\n');
}
