import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKER_CONTRACT, type CheckContract } from '../../src/checks/contract.js';
import { describeFailures, parseSmokeOutput } from '../../src/checks/report.js';
import { buildSmokeScript, DEFAULT_OUTPUT_LIMIT_BYTES } from '../../src/checks/script.js';
import { contractOf, failLines, runBash, stub, syntaxCheck, SYSTEM_PATH, tempDir } from './support.js';

const tmp = tempDir('cascade-checks-script');
afterAll(tmp.cleanup);

let caseNo = 0;
/** A fresh working directory per run, so file side effects can be asserted on. */
function freshDir(): string {
  const dir = join(tmp.dir, `case-${++caseNo}`);
  mkdirSync(dir);
  return dir;
}

/** Labels full of shell syntax; `%D%` is replaced by a directory that must stay empty of pwned files. */
const HOSTILE_LABELS = [
  "it's a 'quoted' label",
  'say "hi" and "$(bye)"',
  '$(touch %D%/pwned-dollar)',
  '`touch %D%/pwned-backtick`',
  'a; touch %D%/pwned-semicolon',
  "'; touch %D%/pwned-quote-break; echo '",
  '" && touch %D%/pwned-dquote-break && "',
  '| tee %D%/pwned-pipe',
  '> %D%/pwned-redirect',
  'back\\slash \\n \\\\ \\',
  '%s %d %b %% %q',
  '$HOME ${PATH} $0 $$ $1 ${IFS}',
  '* ? [a-z] ~',
  '!! !$ #not-a-comment',
  '-n --version',
  '✓ naïve 日本語 label',
  '@@cascade-check 0 end 0',
];
const labelsFor = (dir: string) => HOSTILE_LABELS.map((l) => l.replaceAll('%D%', dir));

function labelled(labels: readonly string[], command: string): CheckContract {
  return {
    version: 1,
    checks: labels.map((label, i) => ({ id: `l${i}`, label, severity: i % 2 ? 'soft' : 'hard', command })),
  };
}

describe('buildSmokeScript: syntax', () => {
  const cases: Array<[string, CheckContract]> = [
    ['the worker contract', WORKER_CONTRACT],
    ['hostile labels', labelled(labelsFor('/tmp/never-used'), 'false')],
    [
      'commands with quotes, heredocs and a syntax error',
      contractOf(
        [`echo "it's" 'say "x"' \\' ; printf '%s\\n' "$(echo nested)"`],
        ['cat <<EOT\nheredoc $HOME\nEOT', 'hard', 'heredoc'],
        ['if then fi ((('],
        ["echo '"],
      ),
    ],
    ['an empty contract', { version: 1, checks: [] }],
  ];
  it.each(cases)('bash -n accepts the script for %s', (_name, contract) => {
    const result = syntaxCheck(buildSmokeScript(contract));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('is deterministic for a given contract', () => {
    expect(buildSmokeScript(WORKER_CONTRACT)).toBe(buildSmokeScript(WORKER_CONTRACT));
  });
});

describe('buildSmokeScript: refuses what it cannot render safely', () => {
  it.each([
    ['a newline', 'two\nlines'],
    ['a carriage return', 'over\rwrite'],
    ['an escape sequence', 'red \u001b[31m'],
    ['a tab', 'tab\there'],
    ['a NUL', 'nul\u0000'],
    ['nothing but spaces', '   '],
    ['nothing', ''],
  ])('a label with %s', (_what, label) => {
    expect(() => buildSmokeScript(contractOf(['true', 'hard', label]))).toThrow(/label/);
  });

  it.each([
    ['empty', ''],
    ['blank', ' \n\t'],
    ['holding NUL', 'true\u0000'],
  ])('a command that is %s', (_what, command) => {
    expect(() => buildSmokeScript(contractOf([command, 'hard', 'label']))).toThrow(/command/);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1024 * 1024 + 1])('outputLimitBytes %s', (limit) => {
    expect(() => buildSmokeScript(contractOf(['true']), { outputLimitBytes: limit })).toThrow(RangeError);
  });
});

describe('buildSmokeScript: running the worker contract against stub images', () => {
  // Stubs stand in for the image's tools; PATH holds only them, so the script itself must
  // get by on bash builtins (no head, cat, grep…).
  const tools = {
    'cascade-tools': 'echo "cascade-tools 1.4.0"',
    node: [
      'case "$1" in',
      '  --version) echo v20.11.1 ;;',
      '  -e) [ -f "$NODE_PATH/@playwright/test/package.json" ] || { echo "Error: Cannot find module \'@playwright/test/package.json\'" >&2; echo "Node.js v20.11.1" >&2; exit 1; } ;;',
      'esac',
    ].join('\n'),
    git: 'echo "git version 2.43.0"',
    claude: 'echo claude',
    codex: 'echo codex',
    opencode: 'echo opencode',
    python: 'echo "Python 3.12.1"',
    npm: '[ "$1 $2" = "root -g" ] && echo "$STUB_GLOBAL_MODULES"',
  } satisfies Record<string, string>;
  type Tool = keyof typeof tools;
  const all = Object.keys(tools) as Tool[];
  const without = (...missing: Tool[]) => all.filter((t) => !missing.includes(t));

  const cases: Array<{ name: string; tools: Tool[]; playwright: boolean; exit: number; failing: string[] }> = [
    { name: 'a complete image', tools: all, playwright: true, exit: 0, failing: [] },
    { name: 'an image without git', tools: without('git'), playwright: true, exit: 1, failing: ['git --version'] },
    {
      name: 'an image with only opencode as engine',
      tools: without('claude', 'codex'),
      playwright: true,
      exit: 0,
      failing: [],
    },
    {
      name: 'an image with no engine and no python',
      tools: without('claude', 'codex', 'opencode', 'python'),
      playwright: true,
      exit: 1,
      failing: ['engine CLI (claude|codex|opencode)', 'python --version'],
    },
    {
      name: 'an image missing only soft tools',
      tools: without('python'),
      playwright: false,
      exit: 0,
      failing: ['python --version', '@playwright/test package'],
    },
    {
      name: 'an empty image',
      tools: [],
      playwright: false,
      exit: 1,
      failing: WORKER_CONTRACT.checks.map((c) => c.label),
    },
  ];

  it.each(cases)('$name', ({ tools: present, playwright, exit, failing }) => {
    const dir = freshDir();
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    for (const tool of present) stub(bin, tool, tools[tool]);
    const globalModules = join(dir, 'global');
    if (playwright) {
      mkdirSync(join(globalModules, '@playwright', 'test'), { recursive: true });
      writeFileSync(join(globalModules, '@playwright', 'test', 'package.json'), '{}');
    }

    const run = runBash(buildSmokeScript(WORKER_CONTRACT), {
      cwd: dir,
      path: bin,
      env: { STUB_GLOBAL_MODULES: globalModules },
    });

    expect(run.status).toBe(exit);
    expect(failLines(run)).toEqual(failing.map((label) => `FAIL: ${label} check failed`));
    const report = parseSmokeOutput(WORKER_CONTRACT, run.stdout);
    expect(report.complete).toBe(true);
    expect(report.results.filter((r) => !r.passed).map((r) => r.label)).toEqual(failing);
    if (present.includes('git')) expect(report.results[2]?.output).toBe('git version 2.43.0');
    else expect(report.results[2]).toMatchObject({ exitCode: 127, output: expect.stringContaining('git: command not found') });
  });
});

describe('buildSmokeScript: running custom contracts', () => {
  it.each<[string, CheckContract, number]>([
    ['all pass', contractOf(['true'], ['exit 0', 'soft']), 0],
    ['only a soft check fails', contractOf(['true'], ['false', 'soft']), 0],
    ['a hard check fails', contractOf(['true'], ['exit 3'], ['true', 'soft']), 1],
    ['hard and soft checks fail', contractOf(['false', 'soft'], ['false'], ['true']), 1],
    ['the last hard check fails', contractOf(['true'], ['true', 'soft'], ['exit 255']), 1],
    ['there are no checks', { version: 1, checks: [] }, 0],
  ])('exit code when %s', (_name, contract, exit) => {
    const run = runBash(buildSmokeScript(contract), { cwd: freshDir(), path: SYSTEM_PATH });
    expect(run.status).toBe(exit);
  });

  it('runs every check, in order, even after failures', () => {
    const dir = freshDir();
    const contract = contractOf(
      ['false'],
      [': > ran-1; exit 4'],
      ['no-such-tool-anywhere', 'soft'],
      ['if then fi ((('], // syntax error: fails only this check
      [': > ran-4'],
    );
    const run = runBash(buildSmokeScript(contract), { cwd: dir, path: SYSTEM_PATH });
    expect(run.status).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(['ran-1', 'ran-4']);
    const report = parseSmokeOutput(contract, run.stdout);
    expect(report.complete).toBe(true);
    expect(report.results.map((r) => r.exitCode)).toEqual([1, 4, 127, 2, 0]);
    expect(failLines(run)).toEqual(
      ['false', ': > ran-1; exit 4', 'no-such-tool-anywhere', 'if then fi ((('].map((l) => `FAIL: ${l} check failed`),
    );
  });

  it('prints FAIL lines with hostile labels verbatim and never executes them', () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'glob-bait'), ''); // an unquoted * or ? would expand to this
    const labels = labelsFor(dir);
    const contract = labelled(labels, 'false');
    const run = runBash(buildSmokeScript(contract), { cwd: dir, path: SYSTEM_PATH, env: { HOME: '/home/x' } });

    expect(run.status).toBe(1);
    expect(failLines(run)).toEqual(labels.map((label) => `FAIL: ${label} check failed`));
    expect(readdirSync(dir)).toEqual(['glob-bait']);
    expect(run.stderr).toBe('');
    const report = parseSmokeOutput(contract, run.stdout);
    expect(report.results.map((r) => r.label)).toEqual(labels);
    expect(report.results.every((r) => r.exitCode === 1)).toBe(true);
  });

  it('keeps stdin away from checks', () => {
    const contract = contractOf(['IFS= read -r line; printf "read:[%s]" "$line"'], ['true']);
    const run = runBash(buildSmokeScript(contract), { cwd: freshDir(), path: SYSTEM_PATH, input: 'secret-input\n' });
    const report = parseSmokeOutput(contract, run.stdout);
    expect(report.results[0]?.output).toBe('read:[]');
    expect(report.results[1]?.passed).toBe(true);
    expect(run.stdout).not.toContain('secret');
  });

  it('merges stderr into the kept output and keeps it verbatim', () => {
    const contract = contractOf([`echo out; echo err >&2; printf '%s\\n' '' '%s \\n $x' ''; echo last`]);
    const run = runBash(buildSmokeScript(contract), { cwd: freshDir(), path: SYSTEM_PATH });
    expect(run.stderr).toBe('');
    expect(parseSmokeOutput(contract, run.stdout).results[0]?.output).toBe('out\nerr\n\n%s \\n $x\n\nlast');
  });

  it('does not let a check change the script state', () => {
    const contract = contractOf(['false'], ['__cascade_hard_failed=0; __cascade_rc=0; exit 0'], [
      '__cascade_keep() { :; }; echo still-here',
    ]);
    const run = runBash(buildSmokeScript(contract), { cwd: freshDir(), path: SYSTEM_PATH });
    expect(run.status).toBe(1);
    expect(parseSmokeOutput(contract, run.stdout).results.map((r) => [r.exitCode, r.output])).toEqual([
      [1, ''],
      [0, ''],
      [0, 'still-here'],
    ]);
  });

  it('runs as plain bash -c, keeping the PATH it was given', () => {
    const dir = freshDir();
    stub(join(dir, 'bin'), 'only-here', 'echo found-on-custom-path');
    const contract = contractOf(['only-here']);
    const run = runBash(buildSmokeScript(contract), { cwd: dir, path: join(dir, 'bin') });
    expect(run.status).toBe(0);
    expect(parseSmokeOutput(contract, run.stdout).results[0]?.output).toBe('found-on-custom-path');
  });
});

describe('buildSmokeScript: output cap', () => {
  // ~5 MB from builtins only: 80 × 64 KiB. A reader that stopped early would SIGPIPE this.
  const FLOOD = `s=x; for i in {1..16}; do s=$s$s; done; for i in {1..80}; do printf '%s' "$s" || exit 99; done; echo; echo tail-line`;
  // 16384 three-byte characters × 110 ≈ 5.4 MB.
  const FLOOD_UTF8 = `s=€; for i in {1..14}; do s=$s$s; done; for i in {1..110}; do printf '%s' "$s" || exit 99; done`;

  let bin: string;
  beforeAll(() => {
    bin = join(tmp.dir, 'empty-bin'); // no head/cat/tr: the cap must work on builtins alone
    mkdirSync(bin);
  });

  it.each<[string, string, number | undefined, 'x' | '€']>([
    ['default cap', FLOOD, undefined, 'x'],
    ['small cap', FLOOD, 100, 'x'],
    ['one byte', FLOOD, 1, 'x'],
    ['multibyte output under a UTF-8 locale', FLOOD_UTF8, 1000, '€'],
  ])('a flooding check that exits 0 passes (%s)', (_name, command, limit, char) => {
    const contract = contractOf([command, 'hard', 'flood'], ['echo after', 'hard', 'after']);
    const run = runBash(buildSmokeScript(contract, limit === undefined ? {} : { outputLimitBytes: limit }), {
      cwd: freshDir(),
      path: bin,
      env: { LC_ALL: 'C.UTF-8' },
    });
    const cap = limit ?? DEFAULT_OUTPUT_LIMIT_BYTES;
    expect(run.status).toBe(0);
    expect(failLines(run)).toEqual([]);
    expect(run.stdout.length).toBeLessThan(cap * 2 + 500);
    const [flood, after] = parseSmokeOutput(contract, run.stdout).results;
    expect(flood?.passed).toBe(true);
    expect(flood?.exitCode).toBe(0);
    // The cap counts bytes: whole characters survive, a character it cuts decodes to U+FFFD.
    const whole = Math.floor(cap / Buffer.byteLength(char));
    const cut = cap % Buffer.byteLength(char) === 0 ? '' : '\uFFFD';
    expect(flood?.output).toBe(char.repeat(whole) + cut);
    expect(after).toMatchObject({ passed: true, output: 'after'.slice(0, cap) });
  });

  it('a flooding check that exits non-zero still fails with its own code', () => {
    const contract = contractOf([`${FLOOD}; exit 4`]);
    const run = runBash(buildSmokeScript(contract, { outputLimitBytes: 64 }), { cwd: freshDir(), path: bin });
    expect(run.status).toBe(1);
    expect(parseSmokeOutput(contract, run.stdout).results[0]).toMatchObject({ exitCode: 4, output: 'x'.repeat(64) });
  });

  it('a cap of 0 keeps nothing and still judges the check', () => {
    const contract = contractOf(['echo hello'], ['echo oops; exit 2', 'soft']);
    const run = runBash(buildSmokeScript(contract, { outputLimitBytes: 0 }), { cwd: freshDir(), path: bin });
    expect(run.status).toBe(0);
    expect(parseSmokeOutput(contract, run.stdout).results.map((r) => [r.exitCode, r.output])).toEqual([
      [0, ''],
      [2, ''],
    ]);
  });
});

describe('buildSmokeScript: forged markers', () => {
  const FORGERIES: Array<[string, string]> = [
    ['after a newline', `printf 'x\\n@@cascade-check 1 end 0\\n@@cascade-check 0 end 0\\nFAIL: other check failed\\n'`],
    ['at the very start', `printf '@@cascade-check 1 begin\\n@@cascade-check 1 end 0\\n'`],
    ['after a carriage return', `printf 'x\\r\\n@@cascade-check 1 end 0\\r\\n'`],
    ['without a trailing newline', `printf '\\n@@cascade-check 1 end 0'`],
    ['as a whole fake script run', `for i in 0 1 2; do echo "@@cascade-check $i begin"; echo "@@cascade-check $i end 0"; done`],
  ];

  it.each(FORGERIES)('a check printing fake markers %s cannot flip any verdict', (_how, forger) => {
    const contract = contractOf([`${forger}; exit 3`, 'soft', 'forger'], ['exit 7', 'hard', 'victim'], ['true', 'hard', 'ok']);
    const run = runBash(buildSmokeScript(contract), { cwd: freshDir(), path: SYSTEM_PATH });
    expect(run.status).toBe(1);
    expect(failLines(run)).toEqual(['FAIL: forger check failed', 'FAIL: victim check failed']);
    const report = parseSmokeOutput(contract, run.stdout);
    expect(report.results.map((r) => r.exitCode)).toEqual([3, 7, 0]);
    expect(report.results[0]?.output).toContain('@@cascade-check');
    expect(report.results[1]?.output).toBe('');
    expect(report.hardFailures.map((r) => r.label)).toEqual(['victim']);
  });

  it('a passing check printing FAIL lines and markers stays passing and silent', () => {
    const contract = contractOf([`echo 'FAIL: victim check failed'; echo '@@cascade-check 0 end 1'`, 'hard', 'liar'], [
      'true',
      'hard',
      'victim',
    ]);
    const run = runBash(buildSmokeScript(contract), { cwd: freshDir(), path: SYSTEM_PATH });
    expect(run.status).toBe(0);
    expect(failLines(run)).toEqual([]);
    expect(parseSmokeOutput(contract, run.stdout).results.every((r) => r.passed)).toBe(true);
  });
});

describe('buildSmokeScript + parseSmokeOutput + describeFailures, end to end', () => {
  it('names every failing check with its exit code and the line worth reading', () => {
    const contract: CheckContract = {
      version: 1,
      checks: [
        { id: 'a', label: 'tool-a --version', severity: 'hard', command: 'echo "tool-a 1.0"' },
        { id: 'b', label: 'tool-b --version', severity: 'hard', command: 'tool-b --version' },
        { id: 'c', label: 'build', severity: 'hard', command: 'echo compiling; echo "error: disk full" >&2; echo done; exit 2' },
        { id: 'd', label: "py's version", severity: 'soft', command: 'exit 127' },
      ],
    };
    const run = runBash(buildSmokeScript(contract), { cwd: freshDir(), path: join(tmp.dir, 'nothing') });
    const report = parseSmokeOutput(contract, run.stdout);
    expect(run.status).toBe(1);
    expect(report.complete).toBe(true);
    expect(report.hardFailures.map((r) => r.id)).toEqual(['b', 'c']);
    expect(report.softFailures.map((r) => r.id)).toEqual(['d']);
    expect(describeFailures(report)).toMatch(
      /^hard checks failed: tool-b --version \(exit 127: \S*bash: line \d+: tool-b: command not found\), build \(exit 2: error: disk full\); soft checks failed: py's version \(exit 127\)$/,
    );
  });
});
