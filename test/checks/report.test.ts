import { describe, expect, it } from 'vitest';
import type { FileFacts, Observation } from '../../src/checks/observation.js';
import { parseSmokeOutput } from '../../src/checks/report.js';
import { commandCheck, fileCheck, versionCheck } from './support.js';

const CHECKS = [
  versionCheck('node'),
  commandCheck('git status'),
  fileCheck('/usr/local/bin/tool'),
  versionCheck('python', { severity: 'soft' }),
];

const lines = (...text: string[]) => text.map((l) => `| ${l}`);
const begin = (i: number) => `@@cascade-check ${i} begin`;
const end = (i: number, exit: number | null) => (exit === null ? [] : [`@@cascade-check ${i} end ${exit}`]);

/** A block as the script prints it for a command check. */
const block = (i: number, exit: number | null, ...output: string[]) => [begin(i), ...lines(...output), ...end(i, exit)].join('\n');
/** …for a version check: path section (when found), then output. */
const versionBlock = (i: number, exit: number | null, path: string | null, ...output: string[]) =>
  [begin(i), ...(path === null ? [] : [`@@cascade-check ${i} path`, ...lines(...path.split('\n'))]), `@@cascade-check ${i} output`, ...lines(...output), ...end(i, exit)].join('\n');
/** …for a file check: file marker (when something exists), then the stat section (when stat exists). */
const fileBlock = (i: number, exit: number | null, found: string | null, stat: readonly string[] | null) =>
  [begin(i), ...(found === null ? [] : [`@@cascade-check ${i} file ${found}`]), ...(stat === null ? [] : [`@@cascade-check ${i} stat`, ...lines(...stat)]), ...end(i, exit)].join('\n');

const FULL_RUN = [
  versionBlock(0, 0, '/usr/local/bin/node', 'v20.11.1'),
  block(1, 128, 'fatal: not a git repository'),
  'FAIL: git status check failed',
  fileBlock(2, 0, 'file 1', ['755 0 root']),
  versionBlock(3, 127, null, 'bash: line 12: python: command not found'),
  '',
].join('\n');

const FULL_OBSERVATIONS: Observation[] = [
  { exitCode: 0, output: 'v20.11.1', path: '/usr/local/bin/node' },
  { exitCode: 128, output: 'fatal: not a git repository' },
  { exitCode: 0, output: '', file: { type: 'file', executable: true, mode: '0755', uid: 0, user: 'root' } },
  { exitCode: 127, output: 'bash: line 12: python: command not found', path: null },
];

const exitCodes = (output: string) => parseSmokeOutput(CHECKS, output).observations.map((o) => o.exitCode);

describe('parseSmokeOutput: blocks', () => {
  it('maps each block to its check by index, with the facts of its kind', () => {
    expect(parseSmokeOutput(CHECKS, FULL_RUN)).toEqual({ observations: FULL_OBSERVATIONS, complete: true });
  });

  it('tolerates CRLF line endings (a container run with a TTY)', () => {
    expect(parseSmokeOutput(CHECKS, FULL_RUN.replaceAll('\n', '\r\n'))).toEqual({ observations: FULL_OBSERVATIONS, complete: true });
  });

  const ALL_ZERO = [versionBlock(0, 0, null), block(1, 0), fileBlock(2, 0, null, null), versionBlock(3, 0, null)];
  it.each<[string, string, Array<number | null>, boolean]>([
    ['empty output', '', [null, null, null, null], false],
    ['output cut before the last check', ALL_ZERO.slice(0, 3).join('\n'), [0, 0, 0, null], false],
    ['output cut inside a block', [ALL_ZERO[0], block(1, null, 'partial')].join('\n'), [0, null, null, null], false],
    ['blocks out of order', [block(3, 1), block(2, 1), block(0, 0), block(1, 0)].join('\n'), [0, 0, 1, 1], true],
    ['an index reported twice (the last block wins)', [block(0, 1), ...ALL_ZERO.slice(1), block(0, 0)].join('\n'), [0, 0, 0, 0], true],
    ['an end without a begin', ['@@cascade-check 0 end 0', ...ALL_ZERO.slice(1)].join('\n'), [null, 0, 0, 0], false],
    ['an end for another index', [begin(0), '@@cascade-check 1 end 0', block(1, 3)].join('\n'), [null, 3, null, null], false],
    ['an index beyond the checks', [...ALL_ZERO, block(4, 9)].join('\n'), [0, 0, 0, 0], true],
    [
      'leading zeros, signs, spaces and trailing junk',
      [begin(0), '@@cascade-check 0 end 00', '@@cascade-check 0 end 0 x', '@@cascade-check 0 end -1', ' @@cascade-check 0 end 0', '@@cascade-check 0 end 0 ', '@@cascade-check  0 end 0', '@@cascade-check 00 end 0'].join('\n'),
      [null, null, null, null],
      false,
    ],
    ['a marker behind a prefix', [begin(0), '| @@cascade-check 0 end 0', '|@@cascade-check 0 end 0'].join('\n'), [null, null, null, null], false],
    ['a marker behind a CR, an escape or a NUL', [begin(0), '\r@@cascade-check 0 end 0', '\u001b[0m@@cascade-check 0 end 0', '\u0000@@cascade-check 0 end 0', '@@cascade-check 0 end 0\u0000'].join('\n'), [null, null, null, null], false],
    ['a bare CR inside a marker line', `${begin(0)}\n@@cascade-check 0 end 0\r@@cascade-check 0 end 1`, [null, null, null, null], false],
  ])('%s', (_name, output, codes, complete) => {
    expect(exitCodes(output)).toEqual(codes);
    expect(parseSmokeOutput(CHECKS, output).complete).toBe(complete);
  });

  it('ignores everything outside blocks and unprefixed noise inside them', () => {
    const output = [
      'Unable to find image locally',
      'bash: warning: setlocale: LC_ALL: cannot change locale',
      begin(0),
      'stray stderr line from the script itself',
      '@@cascade-check 0 path',
      '/not/prefixed',
      '| /usr/bin/node',
      '@@cascade-check 0 output',
      '| v20.11.1',
      '@@cascade-check 0 end 0',
      'FAIL: node --version check failed',
      '| outside any block',
      block(1, 0, 'ok'),
    ].join('\n');
    expect(parseSmokeOutput(CHECKS, output).observations.slice(0, 2)).toEqual([
      { exitCode: 0, output: 'v20.11.1', path: '/usr/bin/node' },
      { exitCode: 0, output: 'ok' },
    ]);
  });

  it('strips exactly one prefix and keeps the rest of each line verbatim', () => {
    const output = [
      begin(1),
      '| | nested',
      '|   indented',
      '| ',
      '|', // a log pipeline that strips trailing spaces
      '| @@cascade-check 2 end 0',
      '| FAIL: node --version check failed',
      '| \u001b[31mred\u001b[0m \r tail',
      '@@cascade-check 1 end 5',
    ].join('\n');
    const { observations } = parseSmokeOutput(CHECKS, output);
    expect(observations[1]).toEqual({
      exitCode: 5,
      output: '| nested\n  indented\n\n\n@@cascade-check 2 end 0\nFAIL: node --version check failed\n\u001b[31mred\u001b[0m \r tail',
    });
    expect(observations[2]?.exitCode).toBeNull();
  });

  it('keeps what an unfinished block printed, facts included', () => {
    const output = [versionBlock(0, null, '/usr/bin/node', 'half a line')].join('\n');
    expect(parseSmokeOutput(CHECKS, output).observations[0]).toEqual({ exitCode: null, output: 'half a line', path: '/usr/bin/node' });
    const file = parseSmokeOutput(CHECKS, fileBlock(2, null, 'directory 1', null)).observations[2];
    expect(file).toEqual({ exitCode: null, output: '', file: { type: 'directory', executable: true, mode: null, uid: null, user: null } });
  });

  it('starts every block afresh: a later block drops the facts of an earlier one', () => {
    const output = [
      versionBlock(0, 0, '/old/node', 'v18'),
      fileBlock(2, 0, 'file 1', ['755 0 root']),
      versionBlock(0, 0, null, 'v20'),
      fileBlock(2, 1, null, null),
    ].join('\n');
    const { observations } = parseSmokeOutput(CHECKS, output);
    expect(observations[0]).toEqual({ exitCode: 0, output: 'v20', path: null });
    expect(observations[2]).toEqual({ exitCode: 1, output: '', file: null });
  });

  it('reports no checks as complete', () => {
    expect(parseSmokeOutput([], 'anything')).toEqual({ observations: [], complete: true });
  });

  it('reports a check with no block at all with the facts of its kind unknown', () => {
    expect(parseSmokeOutput(CHECKS, '').observations).toEqual([
      { exitCode: null, output: '', path: null },
      { exitCode: null, output: '' },
      { exitCode: null, output: '', file: null },
      { exitCode: null, output: '', path: null },
    ]);
  });
});

describe('parseSmokeOutput: version paths', () => {
  const pathOf = (...body: string[]) => parseSmokeOutput(CHECKS, [begin(0), ...body, '@@cascade-check 0 end 0'].join('\n')).observations[0]?.path;

  it.each<[string, string[], string | null]>([
    ['no path section: not on PATH', ['@@cascade-check 0 output', '| v1'], null],
    ['one line', ['@@cascade-check 0 path', '| /usr/bin/node'], '/usr/bin/node'],
    ['a path with spaces and quotes', ['@@cascade-check 0 path', `| /opt/my "tools" it's/node`], `/opt/my "tools" it's/node`],
    ['a path holding newlines (each line prefixed)', ['@@cascade-check 0 path', '| /opt/a', '| @@cascade-check 1 end 0', '| b/node'], '/opt/a\n@@cascade-check 1 end 0\nb/node'],
    ['an empty path section', ['@@cascade-check 0 path', '@@cascade-check 0 output'], null],
    ['a section repeated (the last counts)', ['@@cascade-check 0 path', '| /a', '@@cascade-check 0 path', '| /b'], '/b'],
    ['a path section of another index', ['@@cascade-check 1 path', '| /forged'], null],
    ['a path section behind a prefix', ['| @@cascade-check 0 path', '| /forged'], null],
  ])('%s', (_name, body, path) => {
    expect(pathOf(...body)).toBe(path);
  });

  it('keeps path lines out of the output and output lines out of the path', () => {
    const output = [begin(0), '@@cascade-check 0 path', '| /usr/bin/node', '@@cascade-check 0 output', '| v20', '@@cascade-check 0 end 0'].join('\n');
    expect(parseSmokeOutput(CHECKS, output).observations[0]).toEqual({ exitCode: 0, output: 'v20', path: '/usr/bin/node' });
  });

  it('reports no path for a command check and no file facts for a version check, whatever their blocks say', () => {
    const output = [
      begin(0),
      '@@cascade-check 0 file file 1',
      '@@cascade-check 0 output',
      '| v20',
      '@@cascade-check 0 end 0',
      begin(1),
      '@@cascade-check 1 path',
      '| /forged',
      '@@cascade-check 1 end 0',
    ].join('\n');
    expect(parseSmokeOutput(CHECKS, output).observations.slice(0, 2)).toEqual([
      { exitCode: 0, output: 'v20', path: null },
      { exitCode: 0, output: '' },
    ]);
  });
});

describe('parseSmokeOutput: file facts', () => {
  const factsOf = (found: string | null, stat: readonly string[] | null) =>
    parseSmokeOutput(CHECKS, fileBlock(2, found === null ? 1 : 0, found, stat)).observations[2]?.file;
  const facts = (type: FileFacts['type'], executable: boolean, mode: string | null = null, uid: number | null = null, user: string | null = null): FileFacts => ({ type, executable, mode, uid, user });

  it.each<[string, string | null, string[] | null, FileFacts | null]>([
    ['nothing at the path', null, null, null],
    ['a file, no stat in the image', 'file 0', null, facts('file', false)],
    ['a directory, no stat in the image', 'directory 1', null, facts('directory', true)],
    ['something else (a device, a socket)', 'other 0', ['666 0 root'], facts('other', false, '0666', 0, 'root')],
    ['a mode padded to four digits', 'file 1', ['755 1000 app'], facts('file', true, '0755', 1000, 'app')],
    ['special bits kept', 'file 1', ['4755 0 root'], facts('file', true, '4755', 0, 'root')],
    ['a uid without a passwd entry', 'file 0', ['600 12345 UNKNOWN'], facts('file', false, '0600', 12345, null)],
    // `[ -x ]` speaks for the container's user; the mode for owner, group and others.
    ['the mode overrules [ -x ] (not executable)', 'file 1', ['644 0 root'], facts('file', false, '0644', 0, 'root')],
    ['the mode overrules [ -x ] (executable by its owner only)', 'file 0', ['700 0 root'], facts('file', true, '0700', 0, 'root')],
    ['a warning before the answer', 'file 1', ["stat: warning: cannot read table of mounted file systems", '755 0 root'], facts('file', true, '0755', 0, 'root')],
    ['a failing stat', 'file 1', ["stat: cannot statx '/usr/local/bin/tool': Permission denied"], facts('file', true)],
    ['an empty answer', 'file 1', [], facts('file', true)],
    ['a mode of five digits', 'file 1', ['17777 0 root'], facts('file', true)],
    ['a mode that is not octal', 'file 1', ['789 0 root'], facts('file', true)],
    ['a negative uid', 'file 1', ['755 -1 root'], facts('file', true)],
    ['a uid with leading zeros', 'file 1', ['755 007 root'], facts('file', true)],
    ['no user', 'file 1', ['755 0'], facts('file', true)],
    ['a user with spaces', 'file 1', ['755 0 root extra'], facts('file', true)],
    ['the format itself (a stat without -c)', 'file 1', ['%a %u %U'], facts('file', true)],
  ])('%s', (_name, found, stat, expected) => {
    expect(factsOf(found, stat)).toEqual(expected);
  });

  it.each([
    ['an unknown type', 'symlink 1'],
    ['an executable flag other than 0 or 1', 'file 2'],
    ['a missing executable flag', 'file'],
    ['a trailing space', 'file 1 '],
  ])('ignores a file marker with %s', (_name, found) => {
    expect(factsOf(found, ['755 0 root'])).toBeNull();
  });

  it('ignores a stat section without a file marker, and stat lines out of their section', () => {
    expect(factsOf(null, ['755 0 root'])).toBeNull();
    const output = [begin(2), '@@cascade-check 2 file file 0', '| 755 0 root', '@@cascade-check 2 end 0'].join('\n');
    expect(parseSmokeOutput(CHECKS, output).observations[2]?.file).toEqual(facts('file', false));
  });

  it('takes facts only from its own block', () => {
    const output = [
      begin(1),
      '@@cascade-check 2 file file 1',
      '@@cascade-check 2 stat',
      '| 4777 0 root',
      '@@cascade-check 1 end 0',
      fileBlock(2, 1, null, null),
    ].join('\n');
    const { observations } = parseSmokeOutput(CHECKS, output);
    expect(observations[1]).toEqual({ exitCode: 0, output: '4777 0 root' });
    expect(observations[2]).toEqual({ exitCode: 1, output: '', file: null });
  });
});
