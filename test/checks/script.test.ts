import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileFacts } from '../../src/checks/observation.js';
import { parseSmokeOutput } from '../../src/checks/report.js';
import { buildSmokeScript, DEFAULT_OUTPUT_LIMIT_BYTES } from '../../src/checks/script.js';
import { WORKER_CONTRACT } from '../../src/checks/worker-contract.js';
import type { ContainerCheck } from '../../src/domain/index.js';
import {
  commandCheck,
  commands,
  containerChecks,
  failLines,
  fileCheck,
  runBash,
  stub,
  syntaxCheck,
  SYSTEM_PATH,
  systemTool,
  tempDir,
  toolDir,
  versionCheck,
} from './support.js';

const tmp = tempDir('cascade-checks-script');
afterAll(tmp.cleanup);

let caseNo = 0;
/** A fresh working directory per run, so file side effects can be asserted on. */
function freshDir(): string {
  const dir = join(tmp.dir, `case-${++caseNo}`);
  mkdirSync(dir);
  return dir;
}

/** An empty directory as the whole PATH: the script must get by on bash builtins alone. */
function emptyBin(): string {
  const bin = join(freshDir(), 'bin');
  mkdirSync(bin);
  return bin;
}

const WORKER = containerChecks(WORKER_CONTRACT);

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
  `very long ${'label $(x) '.repeat(1000)}`,
];
const labelsFor = (dir: string) => HOSTILE_LABELS.map((l) => l.replaceAll('%D%', dir));

/** Shell text that must never run: every piece of it would leave a file in `dir`. */
const hostileWord = (dir: string) => `x'; touch ${dir}/pwned-a; ' $(touch ${dir}/pwned-b) \`touch ${dir}/pwned-c\` "`;

describe('buildSmokeScript: syntax', () => {
  const cases: Array<[string, readonly ContainerCheck[]]> = [
    ['the worker contract', WORKER],
    ['hostile labels on every kind', labelsFor('/tmp/never-used').flatMap((label) => [commandCheck('false', { label }), versionCheck('git', { label }), fileCheck('/x', { label })])],
    [
      'commands with quotes, heredocs and a syntax error',
      commands(
        [`echo "it's" 'say "x"' \\' ; printf '%s\\n' "$(echo nested)"`],
        ['cat <<EOT\nheredoc $HOME\nEOT', 'hard', 'heredoc'],
        ['if then fi ((('],
        ["echo '"],
      ),
    ],
    ['version checks with hostile tools and runs', [versionCheck(hostileWord('/tmp/never')), versionCheck('node', { run: "echo '\nif then" })]],
    ['file checks with hostile paths', [fileCheck(hostileWord('/tmp/never')), fileCheck("/it's/a\nnew line/", { label: 'new line' })]],
    ['a command expecting a non-zero exit status', [commandCheck('exit 7', { exitCode: 7 })]],
    ['no checks', []],
  ];
  it.each(cases)('bash -n accepts the script for %s', (_name, checks) => {
    const result = syntaxCheck(buildSmokeScript(checks, { header: "contract 'x' $(touch y)\nsha256 abc" }));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('is deterministic for the given checks and header', () => {
    expect(buildSmokeScript(WORKER, { header: 'h' })).toBe(buildSmokeScript(WORKER, { header: 'h' }));
  });

  it('puts the header at the top as comment lines', () => {
    const script = buildSmokeScript([], { header: 'contract worker\nsha256 0123 $(touch x)' });
    expect(script.split('\n').slice(0, 3)).toEqual([
      expect.stringMatching(/^# cascade-image smoke test/),
      '# contract worker',
      '# sha256 0123 $(touch x)',
    ]);
  });

  it('computes no hash itself (node:crypto stays unloaded)', () => {
    const source = readFileSync(new URL('../../src/checks/script.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/crypto|contract-hash/);
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
    for (const check of [commandCheck('true', { label }), versionCheck('node', { label }), fileCheck('/', { label })]) {
      expect(() => buildSmokeScript([check])).toThrow(/label/);
    }
  });

  it.each<[string, ContainerCheck, RegExp]>([
    ['an empty command', commandCheck('', { label: 'l' }), /run/],
    ['a blank command', commandCheck(' \n\t', { label: 'l' }), /run/],
    ['a command holding NUL', commandCheck('true\u0000', { label: 'l' }), /run/],
    ['a negative exit status', commandCheck('true', { exitCode: -1 }), /exitCode/],
    ['an exit status beyond 255', commandCheck('true', { exitCode: 256 }), /exitCode/],
    ['a fractional exit status', commandCheck('true', { exitCode: 1.5 }), /exitCode/],
    ['an exit status that is not a number', commandCheck('true', { exitCode: Number.NaN }), /exitCode/],
    ['an empty tool', versionCheck('', { label: 'l', run: 'true' }), /tool/],
    ['a tool holding NUL', versionCheck('no\u0000de', { label: 'l', run: 'true' }), /tool/],
    ['an empty version command', versionCheck('node', { run: '' }), /run/],
    ['an empty path', fileCheck('', { label: 'l' }), /path/],
    ['a path holding NUL', fileCheck('/x\u0000', { label: 'l' }), /path/],
  ])('%s', (_what, check, message) => {
    expect(() => buildSmokeScript([check])).toThrow(message);
  });

  it('a config check, which never runs in a container', () => {
    const config = { id: 'cfg', label: 'user', severity: 'hard', kind: 'config', expect: {} };
    expect(() => buildSmokeScript([config as unknown as ContainerCheck])).toThrow(/config check/);
  });

  it('a header holding NUL', () => {
    expect(() => buildSmokeScript([], { header: 'a\u0000b' })).toThrow(/header/);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1024 * 1024 + 1])('outputLimitBytes %s', (limit) => {
    expect(() => buildSmokeScript(commands(['true']), { outputLimitBytes: limit })).toThrow(RangeError);
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
  const ENGINE = 'engine CLI (claude|codex|opencode)';
  const PLAYWRIGHT = '@playwright/test package';

  // Version checks print no FAIL line (the host judges them), so only command checks show here.
  const cases: Array<{ name: string; tools: Tool[]; playwright: boolean; exit: number; failing: string[] }> = [
    { name: 'a complete image', tools: all, playwright: true, exit: 0, failing: [] },
    { name: 'an image without git', tools: without('git'), playwright: true, exit: 0, failing: [] },
    { name: 'an image with only opencode as engine', tools: without('claude', 'codex'), playwright: true, exit: 0, failing: [] },
    { name: 'an image with no engine and no python', tools: without('claude', 'codex', 'opencode', 'python'), playwright: true, exit: 1, failing: [ENGINE] },
    { name: 'an image missing only soft tools', tools: without('python'), playwright: false, exit: 0, failing: [PLAYWRIGHT] },
    { name: 'an empty image', tools: [], playwright: false, exit: 1, failing: [ENGINE, PLAYWRIGHT] },
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

    const run = runBash(buildSmokeScript(WORKER), { cwd: dir, path: bin, env: { STUB_GLOBAL_MODULES: globalModules } });

    expect(run.status).toBe(exit);
    expect(run.stderr).toBe('');
    expect(failLines(run)).toEqual(failing.map((label) => `FAIL: ${label} check failed`));
    const { observations, complete } = parseSmokeOutput(WORKER, run.stdout);
    expect(complete).toBe(true);
    WORKER.forEach((check, i) => {
      if (check.kind !== 'version') return;
      const found = (present as string[]).includes(check.tool);
      expect(observations[i]).toMatchObject({ exitCode: found ? 0 : 127, path: found ? join(bin, check.tool) : null });
    });
    const git = observations[WORKER.findIndex((c) => c.id === 'git')];
    expect(git?.output).toEqual(present.includes('git') ? 'git version 2.43.0' : expect.stringContaining('git: command not found'));
    const engine = observations[WORKER.findIndex((c) => c.id === 'engine-cli')];
    expect(engine?.exitCode === 0).toBe(!failing.includes(ENGINE));
  });
});

describe('buildSmokeScript: running checks', () => {
  it.each<[string, readonly ContainerCheck[], number]>([
    ['all pass', commands(['true'], ['exit 0', 'soft']), 0],
    ['only a soft check fails', commands(['true'], ['false', 'soft']), 0],
    ['a hard check fails', commands(['true'], ['exit 3'], ['true', 'soft']), 1],
    ['hard and soft checks fail', commands(['false', 'soft'], ['false'], ['true']), 1],
    ['the last hard check fails', commands(['true'], ['true', 'soft'], ['exit 255']), 1],
    ['a hard check exits with the status it expects', [commandCheck('exit 3', { exitCode: 3 })], 0],
    ['a hard check exits 0 when it expects 3', [commandCheck('true', { exitCode: 3 })], 1],
    ['a hard check has output patterns (judged on the host)', [commandCheck('echo nope', { expectOutput: ['^yes$'] })], 0],
    ['a hard version check fails (judged on the host)', [versionCheck('no-such-tool')], 0],
    ['a hard file check finds its path', [fileCheck('/')], 0],
    ['a hard file check finds nothing', [fileCheck('/no/such/path')], 1],
    ['only a soft file check finds nothing', [fileCheck('/no/such/path', { severity: 'soft' })], 0],
    ['there are no checks', [], 0],
  ])('exit status when %s', (_name, checks, exit) => {
    const run = runBash(buildSmokeScript(checks), { cwd: freshDir(), path: SYSTEM_PATH });
    expect(run.status).toBe(exit);
  });

  it('runs every check of every kind, in order, whatever happened before', () => {
    const dir = freshDir();
    const checks = [
      ...commands(['false'], [': > ran-1; exit 4'], ['no-such-tool-anywhere', 'soft']),
      commandCheck('if then fi (((', { label: 'syntax error' }), // fails only this check
      versionCheck('no-such-tool', { run: ': > ran-4; no-such-tool --version' }),
      fileCheck('/no/such/path'),
      commandCheck('kill -KILL $BASHPID', { label: 'kills its own shell' }),
      commandCheck('exec 1>&- 2>&-; exit 6', { label: 'closes its output' }),
      ...commands([': > ran-8']),
    ];
    const run = runBash(buildSmokeScript(checks), { cwd: dir, path: SYSTEM_PATH });
    expect(run.status).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(['ran-1', 'ran-4', 'ran-8']);
    const { observations, complete } = parseSmokeOutput(checks, run.stdout);
    expect(complete).toBe(true);
    expect(observations.map((o) => o.exitCode)).toEqual([1, 4, 127, 2, 127, 1, 137, 6, 0]);
    expect(failLines(run)).toEqual(
      ['false', ': > ran-1; exit 4', 'no-such-tool-anywhere', 'syntax error', '/no/such/path', 'kills its own shell', 'closes its output'].map(
        (l) => `FAIL: ${l} check failed`,
      ),
    );
  });

  it('a check that kills the script leaves the rest unreported, never misreported', () => {
    const dir = freshDir();
    const checks = commands(['echo first'], ['echo dying; kill -KILL $$', 'hard', 'killer'], [': > never-ran']);
    const run = runBash(buildSmokeScript(checks), { cwd: dir, path: SYSTEM_PATH });
    expect(run.signal).toBe('SIGKILL');
    expect(readdirSync(dir)).toEqual([]);
    const { observations, complete } = parseSmokeOutput(checks, run.stdout);
    expect(complete).toBe(false);
    expect(observations[0]).toEqual({ exitCode: 0, output: 'first' });
    expect(observations.slice(1).map((o) => o.exitCode)).toEqual([null, null]);
  });

  it('prints FAIL lines with hostile labels verbatim and never executes them', () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'glob-bait'), ''); // an unquoted * or ? would expand to this
    const labels = labelsFor(dir);
    const checks = labels.flatMap((label, i): ContainerCheck[] => [
      commandCheck('false', { label, severity: i % 2 ? 'soft' : 'hard' }),
      versionCheck('no-such-tool', { label }),
      fileCheck('/no/such/path', { label }),
    ]);
    const run = runBash(buildSmokeScript(checks), { cwd: dir, path: SYSTEM_PATH, env: { HOME: '/home/x' } });

    expect(run.status).toBe(1);
    // A version check never prints one; the command and the file check each do.
    expect(failLines(run)).toEqual(labels.flatMap((label) => Array(2).fill(`FAIL: ${label} check failed`)));
    expect(readdirSync(dir)).toEqual(['glob-bait']);
    expect(run.stderr).toBe('');
    const { observations } = parseSmokeOutput(checks, run.stdout);
    expect(observations.map((o) => o.exitCode)).toEqual(labels.flatMap(() => [1, 127, 1]));
  });

  it('keeps stdin away from checks', () => {
    const checks = commands(['IFS= read -r line; printf "read:[%s]" "$line"'], ['true']);
    const run = runBash(buildSmokeScript(checks), { cwd: freshDir(), path: SYSTEM_PATH, input: 'secret-input\n' });
    const { observations } = parseSmokeOutput(checks, run.stdout);
    expect(observations.map((o) => [o.exitCode, o.output])).toEqual([
      [0, 'read:[]'],
      [0, ''],
    ]);
    expect(run.stdout).not.toContain('secret');
  });

  it('merges stderr into the kept output and keeps it verbatim', () => {
    const checks = commands([`echo out; echo err >&2; printf '%s\\n' '' '%s \\n $x' ''; echo last`]);
    const run = runBash(buildSmokeScript(checks), { cwd: freshDir(), path: SYSTEM_PATH });
    expect(run.stderr).toBe('');
    expect(parseSmokeOutput(checks, run.stdout).observations[0]?.output).toBe('out\nerr\n\n%s \\n $x\n\nlast');
  });

  it('does not let a check change the script state', () => {
    const dir = freshDir();
    stub(join(dir, 'bin'), 'tool', 'echo 1.0');
    const checks: ContainerCheck[] = [
      ...commands(['false'], ['__cascade_hard_failed=0; __cascade_rc=0; exit 0']),
      commandCheck('__cascade_keep() { :; }; __cascade_path() { :; }; __cascade_file() { return 0; }; PATH=/nowhere; echo still-here'),
      versionCheck('tool'),
      fileCheck('/no/such/path', { severity: 'soft' }),
    ];
    const run = runBash(buildSmokeScript(checks), { cwd: dir, path: join(dir, 'bin') });
    expect(run.status).toBe(1);
    expect(parseSmokeOutput(checks, run.stdout).observations).toEqual([
      { exitCode: 1, output: '' },
      { exitCode: 0, output: '' },
      { exitCode: 0, output: 'still-here' },
      { exitCode: 0, output: '1.0', path: join(dir, 'bin', 'tool') },
      { exitCode: 1, output: '', file: null },
    ]);
  });

  it('runs as plain bash -c, keeping the PATH it was given', () => {
    const dir = freshDir();
    stub(join(dir, 'bin'), 'only-here', 'echo found-on-custom-path');
    const checks = commands(['only-here']);
    const run = runBash(buildSmokeScript(checks), { cwd: dir, path: join(dir, 'bin') });
    expect(run.status).toBe(0);
    expect(parseSmokeOutput(checks, run.stdout).observations[0]?.output).toBe('found-on-custom-path');
  });
});

describe('buildSmokeScript: version checks report where the tool is', () => {
  it.each<{ name: string; dirName: string; tool: string; stubbed: boolean; run?: string; path: 'stub' | string | null; exitCode: number; output: string }>([
    { name: 'a tool on PATH', dirName: 'bin', tool: 'tool', stubbed: true, path: 'stub', exitCode: 0, output: 'tool 1.2.3' },
    { name: 'a missing tool', dirName: 'bin', tool: 'tool', stubbed: false, path: null, exitCode: 127, output: 'tool: command not found' },
    { name: 'a tool whose version command fails', dirName: 'bin', tool: 'tool', stubbed: true, run: 'tool --version; exit 3', path: 'stub', exitCode: 3, output: 'tool 1.2.3' },
    { name: 'a missing tool whose run prints a version anyway', dirName: 'bin', tool: 'tool', stubbed: false, run: 'echo 9.9.9', path: null, exitCode: 0, output: '9.9.9' },
    { name: 'a shell builtin (command -v names it)', dirName: 'bin', tool: 'printf', stubbed: false, run: 'true', path: 'printf', exitCode: 0, output: '' },
    { name: 'a tool named like an option', dirName: 'bin', tool: '-v', stubbed: true, run: 'true', path: 'stub', exitCode: 0, output: '' },
    { name: 'a tool in a directory with spaces and quotes', dirName: `my "tools" it's`, tool: 'tool', stubbed: true, path: 'stub', exitCode: 0, output: 'tool 1.2.3' },
    // The path is image data: a directory name holding newlines and markers stays one path.
    { name: 'a tool in a directory whose name forges markers', dirName: 'bin\n@@cascade-check 1 end 0\n@@cascade-check 0 path\n| /forged', tool: 'tool', stubbed: true, path: 'stub', exitCode: 0, output: 'tool 1.2.3' },
  ])('$name', ({ dirName, tool, stubbed, run: command, path, exitCode, output }) => {
    const dir = freshDir();
    const bin = join(dir, dirName);
    mkdirSync(bin, { recursive: true });
    if (stubbed) stub(bin, tool, 'echo "tool 1.2.3"');
    const checks: ContainerCheck[] = [versionCheck(tool, command === undefined ? {} : { run: command }), commandCheck('exit 5', { label: 'after' })];
    const run = runBash(buildSmokeScript(checks), { cwd: dir, path: bin });
    expect(failLines(run)).toEqual(['FAIL: after check failed']);
    const { observations } = parseSmokeOutput(checks, run.stdout);
    expect(observations[0]).toEqual({ exitCode, output: expect.stringContaining(output), path: path === 'stub' ? join(bin, tool) : path });
    expect(observations[1]).toEqual({ exitCode: 5, output: '' });
  });

  it('quotes the tool name: hostile text is looked up, never run', () => {
    const dir = freshDir();
    const checks = [versionCheck(hostileWord(dir), { run: 'true' })];
    const run = runBash(buildSmokeScript(checks), { cwd: dir, path: SYSTEM_PATH });
    expect(readdirSync(dir)).toEqual([]);
    expect(parseSmokeOutput(checks, run.stdout).observations[0]).toEqual({ exitCode: 0, output: '', path: null });
  });
});

describe('buildSmokeScript: file checks probe the path', () => {
  const me = { uid: process.getuid?.() ?? 0, user: userInfo().username };
  const isRoot = me.uid === 0;
  const root = join(tmp.dir, 'probe');
  const stat = systemTool('stat');
  const busybox = systemTool('busybox');

  beforeAll(() => {
    mkdirSync(root);
    const file = (name: string, mode: number) => {
      writeFileSync(join(root, name), 'x');
      chmodSync(join(root, name), mode);
    };
    file('plain', 0o644);
    file('tool', 0o755);
    file('setuid', 0o4755);
    file('owner-only', 0o700);
    file(`it's $(touch pwned) "q" \`x\``, 0o640);
    mkdirSync(join(root, 'dir'));
    chmodSync(join(root, 'dir'), 0o750);
    mkdirSync(join(root, 'sticky'));
    chmodSync(join(root, 'sticky'), 0o1777);
    symlinkSync(join(root, 'tool'), join(root, 'link-to-tool'));
    symlinkSync(join(root, 'dir'), join(root, 'link-to-dir'));
    symlinkSync(join(root, 'gone'), join(root, 'dangling'));
    if (isRoot) {
      file('foreign', 0o600);
      chownSync(join(root, 'foreign'), 12345, 12345); // no passwd entry: stat says UNKNOWN
    }
  });

  type Expected = { type: FileFacts['type']; mode: string; uid: number; user: string | null; executable: boolean; x: boolean };
  const own = (type: FileFacts['type'], mode: string, x: boolean = (Number.parseInt(mode, 8) & 0o111) !== 0) => ({ type, mode, uid: me.uid, user: me.user, executable: (Number.parseInt(mode, 8) & 0o111) !== 0, x });
  // `x`: what `[ -x ]` says for this (owning) user, all that is known without stat.
  const FILES: Array<[name: string, expected: Expected | null]> = [
    ['plain', own('file', '0644')],
    ['tool', own('file', '0755')],
    ['setuid', own('file', '4755')],
    ['owner-only', own('file', '0700')],
    [`it's $(touch pwned) "q" \`x\``, own('file', '0640')],
    ['dir', own('directory', '0750')],
    ['sticky', own('directory', '1777')],
    ['link-to-tool', own('file', '0755')],
    ['link-to-dir', own('directory', '0750')],
    ['dangling', null],
    ['missing', null],
    ...(isRoot ? [['foreign', { type: 'file', mode: '0600', uid: 12345, user: null, executable: false, x: false }] as [string, Expected]] : []),
  ];
  const DEVICE: [string, Expected] = ['/dev/null', { type: 'other', mode: '0666', uid: 0, user: 'root', executable: false, x: false }];

  const probe = (path: string) => {
    const paths = [...FILES.map(([name]) => join(root, name)), DEVICE[0]];
    const checks: ContainerCheck[] = paths.map((p) => fileCheck(p, { severity: 'soft' }));
    const before = readdirSync(root).sort();
    const run = runBash(buildSmokeScript(checks), { cwd: root, path });
    expect(readdirSync(root).sort()).toEqual(before);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0); // soft checks only
    const { observations, complete } = parseSmokeOutput(checks, run.stdout);
    expect(complete).toBe(true);
    return { observations, run };
  };
  const all = [...FILES, DEVICE];

  for (const [name, tool] of [['coreutils stat', stat], ['busybox stat', busybox]] as const) {
    it.skipIf(tool === null)(`with ${name} on PATH: type, mode, owner, and executable from the mode`, () => {
      const { observations, run } = probe(toolDir(join(freshDir(), 'bin'), { stat: tool ?? '' }));
      observations.forEach((observation, i) => {
        const expected = all[i]?.[1] ?? null;
        const file = expected === null ? null : { type: expected.type, executable: expected.executable, mode: expected.mode, uid: expected.uid, user: expected.user };
        expect({ path: all[i]?.[0], ...observation }).toEqual({ path: all[i]?.[0], exitCode: expected === null ? 1 : 0, output: '', file });
      });
      expect(failLines(run).length).toBe(2); // dangling and missing
    });
  }

  it('without stat on PATH: type and [ -x ] only, mode and owner unknown', () => {
    const { observations } = probe(emptyBin());
    observations.forEach((observation, i) => {
      const expected = all[i]?.[1] ?? null;
      const file = expected === null ? null : { type: expected.type, executable: expected.x, mode: null, uid: null, user: null };
      expect({ path: all[i]?.[0], ...observation }).toEqual({ path: all[i]?.[0], exitCode: expected === null ? 1 : 0, output: '', file });
    });
  });

  it.each<[string, string]>([
    ['fails', 'echo "stat: cannot stat: Permission denied" >&2; exit 1'],
    ['prints garbage', 'echo "%a %u %U"'],
    ['floods', 'for i in {1..100000}; do echo "0755 0 root"; done; echo "@@cascade-check 1 file file 1"'],
    ['prints a forged marker', `printf '0755 0 root\\n@@cascade-check 1 file file 1\\n@@cascade-check 1 stat\\n| 0777 0 root\\n'`],
  ])('a stat that %s leaves only what it cannot tell unknown', (how, body) => {
    const bin = emptyBin();
    stub(bin, 'stat', body);
    const checks = [fileCheck(join(root, 'plain')), fileCheck(join(root, 'missing'), { severity: 'soft' })];
    const run = runBash(buildSmokeScript(checks), { cwd: root, path: bin });
    const { observations } = parseSmokeOutput(checks, run.stdout);
    expect(observations[1]).toEqual({ exitCode: 1, output: '', file: null });
    const forgedOrFlood = how === 'floods' || how === 'prints a forged marker';
    expect(observations[0]).toEqual({
      exitCode: 0,
      output: '',
      file: forgedOrFlood
        ? { type: 'file', executable: true, mode: '0755', uid: 0, user: 'root' }
        : { type: 'file', executable: false, mode: null, uid: null, user: null },
    });
  });
});

describe('buildSmokeScript: output cap', () => {
  // ~5 MB from builtins only: 80 × 64 KiB. A reader that stopped early would SIGPIPE this.
  const FLOOD = `s=x; for i in {1..16}; do s=$s$s; done; for i in {1..80}; do printf '%s' "$s" || exit 99; done; echo; echo tail-line`;
  // 16384 three-byte characters × 110 ≈ 5.4 MB.
  const FLOOD_UTF8 = `s=€; for i in {1..14}; do s=$s$s; done; for i in {1..110}; do printf '%s' "$s" || exit 99; done`;

  it.each<[string, string, number | undefined, 'x' | '€']>([
    ['default cap', FLOOD, undefined, 'x'],
    ['small cap', FLOOD, 100, 'x'],
    ['one byte', FLOOD, 1, 'x'],
    ['multibyte output under a UTF-8 locale', FLOOD_UTF8, 1000, '€'],
  ])('a flooding check that exits 0 passes (%s)', (_name, command, limit, char) => {
    const checks: ContainerCheck[] = [commandCheck(command, { label: 'flood' }), versionCheck('none', { run: 'echo after', label: 'after' })];
    const run = runBash(buildSmokeScript(checks, limit === undefined ? {} : { outputLimitBytes: limit }), {
      cwd: freshDir(),
      path: emptyBin(),
      env: { LC_ALL: 'C.UTF-8' },
    });
    const cap = limit ?? DEFAULT_OUTPUT_LIMIT_BYTES;
    expect(run.status).toBe(0);
    expect(failLines(run)).toEqual([]);
    expect(run.stdout.length).toBeLessThan(cap * 2 + 500);
    const [flood, after] = parseSmokeOutput(checks, run.stdout).observations;
    expect(flood?.exitCode).toBe(0);
    // The cap counts bytes: whole characters survive, a character it cuts decodes to U+FFFD.
    const whole = Math.floor(cap / Buffer.byteLength(char));
    const cut = cap % Buffer.byteLength(char) === 0 ? '' : '\uFFFD';
    expect(flood?.output).toBe(char.repeat(whole) + cut);
    expect(after).toEqual({ exitCode: 0, output: 'after'.slice(0, cap), path: null });
  });

  it('a flooding check that exits non-zero still fails with its own code', () => {
    const checks = commands([`${FLOOD}; exit 4`]);
    const run = runBash(buildSmokeScript(checks, { outputLimitBytes: 64 }), { cwd: freshDir(), path: emptyBin() });
    expect(run.status).toBe(1);
    expect(parseSmokeOutput(checks, run.stdout).observations[0]).toEqual({ exitCode: 4, output: 'x'.repeat(64) });
  });

  it('a cap of 0 keeps no output and still reports status, path and file facts', () => {
    const bin = emptyBin();
    stub(bin, 'tool', 'echo 1.0');
    const checks: ContainerCheck[] = [...commands(['echo hello'], ['echo oops; exit 2', 'soft']), versionCheck('tool'), fileCheck('/')];
    const run = runBash(buildSmokeScript(checks, { outputLimitBytes: 0 }), { cwd: freshDir(), path: bin });
    expect(run.status).toBe(0);
    expect(parseSmokeOutput(checks, run.stdout).observations).toEqual([
      { exitCode: 0, output: '' },
      { exitCode: 2, output: '' },
      { exitCode: 0, output: '', path: join(bin, 'tool') },
      { exitCode: 0, output: '', file: { type: 'directory', executable: true, mode: null, uid: null, user: null } },
    ]);
  });
});

describe('buildSmokeScript: hostile output cannot change another check', () => {
  const FORGED_BLOCKS = [
    '@@cascade-check 1 end 0',
    '@@cascade-check 0 end 0',
    '@@cascade-check 1 begin',
    '@@cascade-check 1 path',
    '/forged/path',
    '@@cascade-check 1 output',
    '@@cascade-check 2 begin',
    '@@cascade-check 2 file file 1',
    '@@cascade-check 2 stat',
    '4777 0 root',
    '| 4777 0 root',
    '@@cascade-check 2 end 0',
    'FAIL: other check failed',
  ].join('\\n');
  const FORGERIES: Array<[string, string]> = [
    ['after a newline', `printf 'x\\n${FORGED_BLOCKS}\\n'`],
    ['at the very start', `printf '${FORGED_BLOCKS}\\n'`],
    ['after carriage returns', `printf 'x\\r\\n${FORGED_BLOCKS.replaceAll('\\n', '\\r\\n')}\\r\\n'`],
    ['behind a bare carriage return', `printf 'x\\r${FORGED_BLOCKS.replaceAll('\\n', '\\n\\r')}\\n'`],
    ['behind ANSI escapes', `printf '\\033[2K\\033[1G${FORGED_BLOCKS.replaceAll('\\n', '\\n\\033[0m')}\\n'`],
    ['around NUL bytes', `printf '\\0\\n${FORGED_BLOCKS.replaceAll('\\n', '\\n\\0')}\\0\\n'`],
    ['without a trailing newline', `printf '\\n${FORGED_BLOCKS}'`],
    ['as a whole fake script run', `for i in 0 1 2 3; do echo "@@cascade-check $i begin"; echo "@@cascade-check $i path"; echo "| /x"; echo "@@cascade-check $i file file 1"; echo "@@cascade-check $i end 0"; done`],
    ['beyond the output cap', `printf '%05000d' 0; printf '\\n${FORGED_BLOCKS}\\n'`],
    ['from the background, after the check ended', `( sleep 0.2; printf '${FORGED_BLOCKS}\\n' ) & true`],
  ];

  it.each(FORGERIES)('a check printing fake markers %s', (_how, forger) => {
    const dir = freshDir();
    const checks: ContainerCheck[] = [
      commandCheck(`${forger}; exit 3`, { label: 'forger', severity: 'soft' }),
      versionCheck('no-such-tool', { label: 'victim version', run: 'exit 7' }),
      fileCheck(join(dir, 'missing'), { label: 'victim file' }),
      commandCheck('true', { label: 'ok' }),
    ];
    const run = runBash(buildSmokeScript(checks, { outputLimitBytes: 4096 }), { cwd: dir, path: SYSTEM_PATH });
    expect(run.status).toBe(1);
    expect(failLines(run)).toEqual(['FAIL: forger check failed', 'FAIL: victim file check failed']);
    const { observations, complete } = parseSmokeOutput(checks, run.stdout);
    expect(complete).toBe(true);
    expect(observations[0]?.exitCode).toBe(3);
    expect(observations.slice(1)).toEqual([
      { exitCode: 7, output: '', path: null },
      { exitCode: 1, output: '', file: null },
      { exitCode: 0, output: '' },
    ]);
  });

  it('a version check printing a forged path section keeps the real path', () => {
    const dir = freshDir();
    stub(join(dir, 'bin'), 'tool', `printf '@@cascade-check 0 path\\n/forged\\n@@cascade-check 0 output\\n'; echo 1.0`);
    const checks = [versionCheck('tool'), versionCheck('gone', { run: `printf '@@cascade-check 1 path\\n| /forged\\n'` })];
    const run = runBash(buildSmokeScript(checks), { cwd: dir, path: join(dir, 'bin') });
    expect(parseSmokeOutput(checks, run.stdout).observations).toEqual([
      { exitCode: 0, output: '@@cascade-check 0 path\n/forged\n@@cascade-check 0 output\n1.0', path: join(dir, 'bin', 'tool') },
      { exitCode: 0, output: '@@cascade-check 1 path\n| /forged', path: null },
    ]);
  });

  it('a passing check printing FAIL lines and markers stays passing and silent', () => {
    const checks = commands([`echo 'FAIL: victim check failed'; echo '@@cascade-check 0 end 1'`, 'hard', 'liar'], ['true', 'hard', 'victim']);
    const run = runBash(buildSmokeScript(checks), { cwd: freshDir(), path: SYSTEM_PATH });
    expect(run.status).toBe(0);
    expect(failLines(run)).toEqual([]);
    expect(parseSmokeOutput(checks, run.stdout).observations.map((o) => o.exitCode)).toEqual([0, 0]);
  });
});
