import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { completionScript, completionSpecFromCommander, type CompletionSpec } from '../../src/cli/completion/index.js';
import { InternalError } from '../../src/errors.js';

const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';
const HAS_ZSH = spawnSync('zsh', ['-fc', 'true']).status === 0;
// Off CI the zsh tests are skipped when zsh is missing. In CI (.ci/engine.sh installs zsh) they always
// run, so a missing zsh fails them instead of silently skipping them.
const RUN_ZSH = HAS_ZSH || process.env.CI === 'true';

// A small tree with every shape the CLI has: plain, value options, subcommands, variadic projects.
const SPEC: CompletionSpec = {
  globalOptions: ['--db <path>', '--actor <name>', '-q, --quiet', '--no-color', '-V, --version'],
  commands: [
    { name: 'set', options: ['--create', '--timeout <duration>', '--json'], takesProject: true },
    { name: 'show', options: ['--json'], takesProject: true },
    { name: 'list', options: ['--json'], takesProject: false },
    { name: 'validate', options: ['--all', '--timeout <duration>'], takesProject: true, repeatsProject: true },
    { name: 'defaults', options: ['--json'], subcommands: ['set', 'clear'], takesProject: false },
    { name: 'projects', options: ['--worker-image <ref>'], subcommands: ['create', 'update'], takesProject: true },
  ],
};

// Ids as data: the nasty ones must come back quoted and never run. The last line has no newline.
const PROJECT_IDS = ['alpha', 'alpine', 'beta', '$(touch pwned)', '`touch pwned2`', 'semi;touch pwned3', 'spaced name', 'glob*'];
const QUOTED = {
  subst: '\\$\\(touch\\ pwned\\)',
  backtick: '\\`touch\\ pwned2\\`',
  semi: 'semi\\;touch\\ pwned3',
  spaced: 'spaced\\ name',
  glob: 'glob\\*',
};

let root: string;
let bin: string;
let work: string;
let log: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cascade-completion-'));
  bin = join(root, 'bin');
  work = join(root, 'work');
  log = join(root, 'calls.log');
  mkdirSync(bin);
  mkdirSync(work);
  mkdirSync(join(root, 'home'));
  writeFileSync(join(work, 'store.db'), '');
  writeFileSync(join(root, 'projects.txt'), PROJECT_IDS.join('\n'));
  const stub = join(bin, 'cascade-image');
  writeFileSync(
    stub,
    [
      '#!/bin/sh',
      `printf 'args=%s db=%s\\n' "$*" "\${CASCADE_IMAGE_DB-<unset>}" >> '${log}'`,
      `cat '${join(root, 'projects.txt')}'`,
    ].join('\n'),
  );
  chmodSync(stub, 0o755);
  writeFileSync(join(root, 'completion.bash'), completionScript('bash', SPEC));
  writeFileSync(join(root, 'completion.zsh'), completionScript('zsh', SPEC));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => rmSync(log, { force: true }));

function calls(): string[] {
  return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
}

function run(shell: string, args: readonly string[]): string[] {
  // HOME is the (rc-file-free) working dir: Debian's bash reads ~/.bashrc when stdin is a socket.
  const res = spawnSync(shell, args, { cwd: work, env: { HOME: work, PATH: `${bin}:${SYSTEM_PATH}` }, encoding: 'utf8' });
  if (res.error !== undefined) throw res.error;
  if (res.status !== 0) throw new Error(`${shell} exited ${res.status}: ${res.stderr}`);
  expect(res.stderr).toBe('');
  return res.stdout === '' ? [] : res.stdout.replace(/\0$/, '').split('\0');
}

/** Runs the bash completion function the way readline would, for a line whose last word is being completed. */
function bashComplete(line: readonly string[], options: { nounset?: boolean } = {}): string[] {
  const script = [
    options.nounset === true ? 'set -u' : '',
    'source "$1"; shift',
    'COMP_WORDS=(cascade-image "$@"); COMP_CWORD=$#',
    '_cascade_image_complete cascade-image "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"',
    'if (( ${#COMPREPLY[@]} )); then printf "%s\\0" "${COMPREPLY[@]}"; fi',
  ].join('\n');
  return run('bash', ['-c', script, 'bash', join(root, 'completion.bash'), ...line]);
}

const ZSH_STUBS = [
  // Outside a completion widget, stand-ins for the completion builtins print what they were given.
  'compadd() { integer k=${argv[(i)--]}; (( k < $# )) && printf "%s\\0" "${(@)argv[k+1,-1]}"; return 0 }',
  '_files() { printf "%s\\0" "<files>" }',
  '_message() { printf "%s\\0" "<message: $1>" }',
  'compset() { return 0 }',
].join('\n');

function zshComplete(line: readonly string[]): string[] {
  const script = [
    'compdef() { : }',
    'source "$1"; shift',
    ZSH_STUBS,
    'words=(cascade-image "$@"); CURRENT=${#words}',
    // Status 1 means "no matches" to zsh; the output is what matters here.
    '__cascade_image_complete || true',
  ].join('\n');
  return run('zsh', ['-f', '-c', script, 'zsh', join(root, 'completion.zsh'), ...line]);
}

const ALL_QUOTED = ['alpha', 'alpine', 'beta', QUOTED.subst, QUOTED.backtick, QUOTED.semi, QUOTED.spaced, QUOTED.glob];
const PROJECTS_CALL = 'args=__complete projects db=<unset>';

describe('bash completion script', () => {
  it('passes bash -n', () => {
    const res = spawnSync('bash', ['-n', join(root, 'completion.bash')], { encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });

  it('registers a complete -F function for the program', () => {
    const res = spawnSync('bash', ['-c', 'source "$1" && complete -p cascade-image', 'bash', join(root, 'completion.bash')], {
      env: { HOME: work, PATH: SYSTEM_PATH },
      encoding: 'utf8',
    });
    expect(res.stdout.trim()).toBe('complete -F _cascade_image_complete cascade-image');
  });

  it.each<[string, string[], string[], string[]?]>([
    ['command names', [''], ['set', 'show', 'list', 'validate', 'defaults', 'projects']],
    ['command names by prefix', ['s'], ['set', 'show']],
    ['global options before the command', ['--'], ['--db', '--actor', '--quiet', '--no-color', '--version']],
    ['short options too', ['-'], ['--db', '--actor', '-q', '--quiet', '--no-color', '-V', '--version']],
    ['global and command options after the command', ['set', '--'], ['--db', '--actor', '--quiet', '--no-color', '--version', '--create', '--timeout', '--json']],
    ['a flag without a value is skipped', ['--quiet', 'sh'], ['show']],
    ["a global option's value is not the command", ['--actor', 'show', 's'], ['set', 'show']],
    ['an unknown command completes nothing', ['nope', ''], []],
    ['subcommands', ['defaults', ''], ['set', 'clear']],
    ['a subcommand without projects', ['defaults', 'set', ''], []],
    ['project ids, quoted', ['show', ''], ALL_QUOTED, [PROJECTS_CALL]],
    ['project ids by prefix', ['show', 'al'], ['alpha', 'alpine'], [PROJECTS_CALL]],
    ['a quoted prefix', ['show', "'spaced n"], [QUOTED.spaced], [PROJECTS_CALL]],
    ['a backslash-escaped prefix of the nasty one', ['show', '\\$\\(to'], [QUOTED.subst], [PROJECTS_CALL]],
    ['only the first argument is a project', ['set', 'alpha', ''], [], []],
    ['no projects for a command without them', ['list', ''], [], []],
    ['every argument of validate is a project', ['validate', 'alpha', 'be'], ['beta'], [PROJECTS_CALL]],
    ["an option's value is skipped before the project", ['validate', '--timeout', '5m', 'be'], ['beta'], [PROJECTS_CALL]],
    ['nothing offered for a value', ['validate', '--timeout', ''], [], []],
    ['projects after a subcommand', ['projects', 'create', 'b'], ['beta'], [PROJECTS_CALL]],
    ['after --, words are arguments', ['show', '--', ''], ALL_QUOTED, [PROJECTS_CALL]],
    ['--db X is passed on', ['--db', '/tmp/x.db', 'show', 'b'], ['beta'], ['args=__complete projects db=/tmp/x.db']],
    ['--db after the command too', ['show', '--db', '/tmp/x.db', 'b'], ['beta'], ['args=__complete projects db=/tmp/x.db']],
    ['--db=X split by COMP_WORDBREAKS', ['--db', '=', '/tmp/y.db', 'show', 'b'], ['beta'], ['args=__complete projects db=/tmp/y.db']],
    ['--db=X as one word', ['--db=/tmp/z.db', 'show', 'b'], ['beta'], ['args=__complete projects db=/tmp/z.db']],
    ['--db with a quoted path', ['--db', "'/tmp/my db.db'", 'show', 'b'], ['beta'], ['args=__complete projects db=/tmp/my db.db']],
    ['--db with an escaped path', ['--db', '/tmp/my\\ db.db', 'show', 'b'], ['beta'], ['args=__complete projects db=/tmp/my db.db']],
    ['--db with a $(…) path is not run', ['--db', '$(touch pwned4)', 'show', 'b'], ['beta'], ['args=__complete projects db=$(touch pwned4)']],
    ['--db ~/… is expanded', ['--db', '~/s.db', 'show', 'b'], ['beta'], [`args=__complete projects db=${'<HOME>'}/s.db`]],
    ['files for --db', ['--db', 'st'], ['store.db'], []],
    ['files for --db=', ['--db', '=', 'st'], ['store.db'], []],
  ])('%s: %j', (_name, line, expected, expectedCalls) => {
    expect(bashComplete(line)).toEqual(expected);
    if (expectedCalls !== undefined) expect(calls()).toEqual(expectedCalls.map((c) => c.replace('<HOME>', work)));
    // Nothing the ids or the line held was executed.
    expect(readdirSync(work).sort()).toEqual(['store.db']);
  });

  it('works under set -u', () => {
    expect(bashComplete(['show', 'al'], { nounset: true })).toEqual(['alpha', 'alpine']);
    expect(bashComplete([''], { nounset: true })).toHaveLength(6);
    expect(bashComplete(['--db', '=', ''], { nounset: true })).toEqual(['store.db']);
  });

  it('a missing program completes no projects, quietly', () => {
    const script = ['source "$1"', 'COMP_WORDS=(cascade-image show ""); COMP_CWORD=2', '_cascade_image_complete', 'echo "n=${#COMPREPLY[@]}"'].join('\n');
    const res = spawnSync('bash', ['-c', script, 'bash', join(root, 'completion.bash')], { cwd: work, env: { HOME: work, PATH: SYSTEM_PATH }, encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(res.stdout).toBe('n=0\n');
  });
});

describe.skipIf(!RUN_ZSH)('zsh completion script', () => {
  it('passes zsh -n and starts with #compdef', () => {
    const res = spawnSync('zsh', ['-n', join(root, 'completion.zsh')], { encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(readFileSync(join(root, 'completion.zsh'), 'utf8').split('\n')[0]).toBe('#compdef cascade-image');
  });

  it.each<[string, string[], string[], string[]?]>([
    ['command names', [''], ['set', 'show', 'list', 'validate', 'defaults', 'projects']],
    ['options before the command', ['-'], ['--db', '--actor', '-q', '--quiet', '--no-color', '-V', '--version']],
    ['options after the command', ['set', '-'], ['--db', '--actor', '-q', '--quiet', '--no-color', '-V', '--version', '--create', '--timeout', '--json']],
    ["a global option's value is not the command", ['--actor', 'show', ''], ['set', 'show', 'list', 'validate', 'defaults', 'projects']],
    ['subcommands', ['defaults', ''], ['set', 'clear']],
    ['project ids as data (compadd quotes them)', ['show', ''], PROJECT_IDS, [PROJECTS_CALL]],
    ['only the first argument is a project', ['show', 'alpha', ''], [], []],
    ['every argument of validate is a project', ['validate', 'alpha', ''], PROJECT_IDS, [PROJECTS_CALL]],
    ['projects after a subcommand', ['projects', 'update', ''], PROJECT_IDS, [PROJECTS_CALL]],
    ['--db X is passed on', ['--db', '/tmp/x.db', 'show', ''], PROJECT_IDS, ['args=__complete projects db=/tmp/x.db']],
    ['--db=X as one word, quoted', ['show', "--db='/tmp/my db.db'", ''], PROJECT_IDS, ['args=__complete projects db=/tmp/my db.db']],
    ['--db with a $(…) path is not run', ['--db', '"$(touch pwned4)"', 'show', ''], PROJECT_IDS, ['args=__complete projects db=$(touch pwned4)']],
    ['--db ~/… is expanded', ['--db', '~/s.db', 'show', ''], PROJECT_IDS, ['args=__complete projects db=<HOME>/s.db']],
    ['files for --db', ['--db', ''], ['<files>'], []],
    ['files for --db=', ['--db='], ['<files>'], []],
    ['a message for other values', ['set', '--timeout', ''], ['<message: value for --timeout>'], []],
  ])('%s: %j', (_name, line, expected, expectedCalls) => {
    expect(zshComplete(line)).toEqual(expected);
    if (expectedCalls !== undefined) expect(calls()).toEqual(expectedCalls.map((c) => c.replace('<HOME>', work)));
    expect(readdirSync(work).sort()).toEqual(['store.db']);
  });

  it('autoloaded from $fpath as _cascade-image, it completes without compdef', () => {
    const dir = join(root, 'fpath');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '_cascade-image'), completionScript('zsh', SPEC));
    const script = [
      'fpath=("$1" $fpath); autoload -Uz _cascade-image',
      ZSH_STUBS,
      'words=(cascade-image show al); CURRENT=3',
      '_cascade-image',
    ].join('\n');
    expect(run('zsh', ['-f', '-c', script, 'zsh', dir])).toEqual(PROJECT_IDS);
  });
});

// The real thing: readline (bash) and compsys (zsh) completing a typed line in an interactive
// shell on a pty, driven through zsh's zpty module. Each completed line is then run, so the stub's
// log shows the exact argv the completion produced.
describe.skipIf(!RUN_ZSH)('interactive completion on a pty', () => {
  const DRIVER = [
    'zmodload zsh/zpty || exit 3',
    'zpty s "$SHELL_COMMAND"',
    'zpty -w s "$SETUP"',
    "zpty -r s out '*READY> ' || exit 4",
    'for line in "$@"; do',
    "  zpty -w -n s \"$line\"$'\\t'",
    "  zpty -w -n s $'\\r'",
    "  out=''",
    "  zpty -r s out '*READY> ' || exit 5",
    'done',
    'zpty -d s',
  ].join('\n');

  function drive(shellCommand: string, setup: string, lines: readonly string[]): string[] {
    const res = spawnSync('zsh', ['-f', '-c', DRIVER, 'zsh', ...lines], {
      cwd: work,
      // A HOME of its own: interactive bash writes .bash_history there on exit.
      env: { HOME: join(root, 'home'), PATH: `${bin}:${SYSTEM_PATH}`, TERM: 'dumb', SHELL_COMMAND: shellCommand, SETUP: setup },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(res.status).toBe(0);
    return calls();
  }

  // Typed, then TAB, then Enter. The prompt is assembled so its text never appears in the echo.
  const LINES = ['cascade-image show sp', 'cascade-image show \\$\\(to', 'cascade-image show semi', 'cascade-image --db /tmp/x.db show be'];
  const EXPECTED = [
    PROJECTS_CALL,
    'args=show spaced name db=<unset>',
    PROJECTS_CALL,
    'args=show $(touch pwned) db=<unset>',
    PROJECTS_CALL,
    'args=show semi;touch pwned3 db=<unset>',
    'args=__complete projects db=/tmp/x.db',
    'args=--db /tmp/x.db show beta db=<unset>',
  ];

  it('bash (readline)', () => {
    const setup = `source '${join(root, 'completion.bash')}'; PS1="READY"'> '`;
    expect(drive('bash --norc --noprofile -i', setup, LINES)).toEqual(EXPECTED);
    expect(readdirSync(work).sort()).toEqual(['store.db']);
  }, 20_000);

  it('zsh (compinit, no bashcompinit)', () => {
    const setup = `autoload -Uz compinit && compinit -u -D && source '${join(root, 'completion.zsh')}'; PS1="READY"'> '`;
    expect(drive('zsh -f -i', setup, LINES)).toEqual(EXPECTED);
    expect(readdirSync(work).sort()).toEqual(['store.db']);
  }, 20_000);
});

describe('completionScript input checks', () => {
  it.each<[string, CompletionSpec, string?]>([
    ['a command name with a quote', { globalOptions: [], commands: [{ name: "x'y", options: [], takesProject: false }] }],
    ['a command name with $()', { globalOptions: [], commands: [{ name: '$(id)', options: [], takesProject: false }] }],
    ['a subcommand with a space', { globalOptions: [], commands: [{ name: 'x', options: [], subcommands: ['a b'], takesProject: false }] }],
    ['an option with a quote', { globalOptions: ["--a'b"], commands: [] }],
    ['an option without a flag', { globalOptions: ['<value>'], commands: [] }],
    ['an option with junk after it', { globalOptions: ['--db path'], commands: [] }],
    ['a duplicate command', { globalOptions: [], commands: [{ name: 'x', options: [], takesProject: false }, { name: 'x', options: [], takesProject: true }] }],
    ['a program name with a slash', { globalOptions: [], commands: [] }, '../cascade-image'],
  ])('refuses %s', (_name, spec, program) => {
    for (const shell of ['bash', 'zsh'] as const) expect(() => completionScript(shell, spec, program)).toThrow(InternalError);
  });

  it.each(['bash', 'zsh'] as const)('%s: another program name is used throughout', (shell) => {
    const script = completionScript(shell, SPEC, 'ci-image');
    expect(script).toContain("command 'ci-image' __complete projects");
    expect(script).not.toContain('cascade-image');
    expect(script).not.toContain('cascade_image');
  });

  it('an empty spec still gives valid scripts', () => {
    const empty: CompletionSpec = { globalOptions: [], commands: [] };
    expect(spawnSync('bash', ['-n'], { input: completionScript('bash', empty) }).status).toBe(0);
    if (RUN_ZSH) expect(spawnSync('zsh', ['-n'], { input: completionScript('zsh', empty) }).status).toBe(0);
  });
});

describe('completionSpecFromCommander', () => {
  it('derives commands, options, subcommands and project arguments', () => {
    const program = new Command('cascade-image').option('--db <path>').option('-q, --quiet').version('1.0.0', '-V, --version');
    program.command('set').argument('<project>').argument('<ref>').option('--timeout <duration>').option('--json');
    program.command('validate').argument('[projects...]').option('--all');
    program.command('list').option('--json');
    program.command('__complete').argument('<what>');
    const defaults = program.command('defaults');
    defaults.command('set').argument('<ref>').option('--no-validate');
    defaults.command('clear').option('--json');
    const projects = program.command('projects');
    projects.command('create').argument('<project>').option('--worker-image <ref>');

    expect(completionSpecFromCommander(program)).toEqual({
      globalOptions: ['--db <path>', '-q, --quiet', '-V, --version', '-h, --help'],
      commands: [
        { name: 'set', options: ['--timeout <duration>', '--json'], takesProject: true },
        { name: 'validate', options: ['--all'], takesProject: true, repeatsProject: true },
        { name: 'list', options: ['--json'], takesProject: false },
        { name: 'defaults', options: ['--no-validate', '--json'], subcommands: ['set', 'clear'], takesProject: false },
        { name: 'projects', options: ['--worker-image <ref>'], subcommands: ['create'], takesProject: true },
      ],
    });
  });
});
