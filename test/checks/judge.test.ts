import { describe, expect, it } from 'vitest';
import { DEFAULT_VERSION_PATTERN, judgeChecks, judgeContainerCheck, readVersion } from '../../src/checks/judge.js';
import type { FileFacts, Observation } from '../../src/checks/observation.js';
import { WORKER_CONTRACT } from '../../src/checks/worker-contract.js';
import type { CommandCheck, ConfigCheck, FileCheck, VersionCheck } from '../../src/domain/index.js';
import { IMPORTED_CONFIG } from '../support/fake-docker.js';

const command = (overrides: Partial<CommandCheck> = {}): CommandCheck => ({
  id: 'gh',
  label: 'gh works',
  severity: 'hard',
  kind: 'command',
  run: 'gh --version',
  exitCode: 0,
  expectOutput: [],
  rejectOutput: [],
  ...overrides,
});

const version = (overrides: Partial<VersionCheck> = {}): VersionCheck => ({
  id: 'node',
  label: 'node --version',
  severity: 'hard',
  kind: 'version',
  tool: 'node',
  run: 'node --version',
  pattern: null,
  range: '>=20 <23',
  ...overrides,
});

const file = (overrides: Partial<FileCheck> = {}): FileCheck => ({
  id: 'tools',
  label: 'cascade-tools binary',
  severity: 'hard',
  kind: 'file',
  path: '/usr/local/bin/cascade-tools',
  type: 'file',
  executable: null,
  mode: null,
  owner: null,
  ...overrides,
});

const ran = (exitCode: number | null, output = '', extra: Partial<Observation> = {}): Observation => ({ exitCode, output, ...extra });

const facts = (overrides: Partial<FileFacts> = {}): FileFacts => ({ type: 'file', executable: true, mode: '0755', uid: 0, user: 'root', ...overrides });

describe('command checks', () => {
  it.each([
    ['exit 0 and nothing expected', command(), ran(0, 'gh version 2.40.1'), ''],
    ['the expected non-zero exit', command({ exitCode: 1 }), ran(1), ''],
    ['every expected pattern matching, none excluded', command({ expectOutput: ['^gh version 2\\.', 'cli/cli'], rejectOutput: ['deprecated'] }), ran(0, 'gh version 2.40.1 (2023-12-13)\nhttps://github.com/cli/cli'), ''],
    ['an anchored pattern on a later line (patterns are multi-line)', command({ expectOutput: ['^gh version 2\\.'] }), ran(0, 'warning: config is old\ngh version 2.4.0'), ''],
  ])('passes on %s', (_what, check, observation, detail) => {
    expect(judgeContainerCheck(check, observation)).toMatchObject({ passed: true, detail });
  });

  it.each([
    ['a missing command', command(), ran(127, 'bash: gh: command not found'), 'exit 127, expected 0: bash: gh: command not found'],
    ['a wrong exit with no output', command(), ran(3), 'exit 3, expected 0'],
    ['a zero exit where a failure is expected', command({ exitCode: 1 }), ran(0, 'ok'), 'exit 0, expected 1: ok'],
    ['the error line rather than the trailing banner', command(), ran(1, 'Error: cannot find module x\n    at foo\nNode.js v20.11.1'), 'exit 1, expected 0: Error: cannot find module x'],
    ['a wrong exit, without also listing output mismatches', command({ expectOutput: ['^gh'] }), ran(127, 'bash: gh: command not found'), 'exit 127, expected 0: bash: gh: command not found'],
    ['output not matching', command({ expectOutput: ['^gh version 2\\.'] }), ran(0, 'gh version 1.9.0'), 'output does not match /^gh version 2\\./ (got: "gh version 1.9.0")'],
    ['no output to match', command({ expectOutput: ['ready'] }), ran(0, ''), 'output does not match /ready/ (no output)'],
    ['the banner, not the last line, as what it got', command({ expectOutput: ['^gh version 2\\.'] }), ran(0, 'gh version 1.9.0 (2021-03-01)\nhttps://github.com/cli/cli/releases/tag/v1.9.0'), 'output does not match /^gh version 2\\./ (got: "gh version 1.9.0 (2021-03-01)")'],
    ['excluded output, quoting its line', command({ rejectOutput: ['deprecated'] }), ran(0, 'gh version 2.4.0\nwarning: this version is deprecated\n'), 'output matches excluded /deprecated/: "warning: this version is deprecated"'],
    ['every output mismatch', command({ expectOutput: ['^gh version 2\\.', 'cli'], rejectOutput: ['old'] }), ran(0, 'gh version 1.0 (old)'), 'output does not match /^gh version 2\\./ (got: "gh version 1.0 (old)"); output does not match /cli/ (got: "gh version 1.0 (old)"); output matches excluded /old/: "gh version 1.0 (old)"'],
    ['a broken pattern', command({ expectOutput: ['(unclosed'] }), ran(0, 'x'), expect.stringMatching(/^invalid regular expression \/\(unclosed\/: /)],
    ['no end marker', command(), ran(null), 'no result'],
    ['no end marker after some output', command(), ran(null, 'starting…'), 'no result: starting…'],
  ])('fails on %s', (_what, check, observation, detail) => {
    const result = judgeContainerCheck(check, observation);
    expect(result).toMatchObject({ passed: false, detail, exitCode: observation.exitCode, output: observation.output, kind: 'command' });
    expect(result).not.toHaveProperty('version');
  });

  it('quotes what it got one-lined and clipped: no control characters, no colours', () => {
    const result = judgeContainerCheck(command({ expectOutput: ['^ok'] }), ran(0, `\u001b[31mnope\u001b[0m\tand ${'x'.repeat(200)}`));
    expect(result.detail).toMatch(/^output does not match \/\^ok\/ \(got: "nope and x+…"\)$/);
    expect(result.detail.length).toBeLessThan(140);
  });
});

describe('version checks', () => {
  it.each([
    ['in range', version(), ran(0, 'v20.11.1', { path: '/usr/local/bin/node' }), 'v20.11.1'],
    ['at the top of a range with a prerelease (compared with includePrerelease)', version({ range: '>=10.2.0' }), ran(0, '10.2.1-beta.3'), '10.2.1-beta.3'],
    ['a two-part version (coerced to x.y.0)', version({ range: '^1.2.0' }), ran(0, '1.2'), '1.2'],
    ['any version with no range', version({ range: null }), ran(0, 'v18.19.0'), 'v18.19.0'],
    ['an unreadable version with no range', version({ range: null }), ran(0, 'nightly build'), null],
    ["the check's own pattern, first group", version({ pattern: 'release-(\\d+\\.\\d+)', range: '>=3' }), ran(0, 'tool 1.0.0 release-3.4'), '3.4'],
    ['a pattern with no group: its whole match', version({ pattern: '\\d+\\.\\d+', range: '>=3' }), ran(0, 'tool 3.4'), '3.4'],
  ])('passes %s', (_what, check, observation, found) => {
    expect(judgeContainerCheck(check, observation)).toEqual({
      id: check.id,
      label: check.label,
      kind: 'version',
      severity: 'hard',
      passed: true,
      exitCode: 0,
      output: observation.output,
      detail: '',
      version: found,
      path: observation.path ?? null,
    });
  });

  it.each([
    ['out of range', version(), ran(0, 'v18.19.0', { path: '/usr/bin/node' }), 'found v18.19.0, need >=20 <23', 'v18.19.0'],
    ['above the range', version(), ran(0, 'v23.0.0'), 'found v23.0.0, need >=20 <23', 'v23.0.0'],
    ['no version in the output', version(), ran(0, 'node: welcome'), 'no version in output (got: "node: welcome")', null],
    ['no output at all', version(), ran(0, ''), 'no version in output (no output)', null],
    ['a custom capture that is no version', version({ pattern: 'build (\\w+)' }), ran(0, 'build abc'), 'found abc (not a version), need >=20 <23', 'abc'],
    ['not on PATH', version(), ran(127, 'bash: node: command not found', { path: null }), 'not on PATH', null],
    ['exit 127 with the tool found (a broken interpreter line)', version(), ran(127, '/usr/bin/env: node2: No such file or directory', { path: '/usr/bin/node' }), 'exit 127: /usr/bin/env: node2: No such file or directory', null],
    ['a failing tool', version({ range: null }), ran(1, 'node: bad option: --version'), 'exit 1: node: bad option: --version', null],
    ['a failing tool with no output', version(), ran(2), 'exit 2', null],
    ['no end marker', version(), ran(null), 'no result', null],
    ['a broken range', version({ range: '>=x.y' }), ran(0, 'v20.0.0'), 'invalid version range ">=x.y"', 'v20.0.0'],
    ['a broken pattern', version({ pattern: '(' }), ran(0, 'v20.0.0'), expect.stringMatching(/^invalid regular expression \/\(\/: /), null],
  ])('fails %s', (_what, check, observation, detail, found) => {
    expect(judgeContainerCheck(check, observation)).toMatchObject({ passed: false, detail, version: found, path: observation.path ?? null });
  });

  it('keeps the path found even when the check fails', () => {
    expect(judgeContainerCheck(version(), ran(0, 'v18.0.0', { path: '/opt/node/bin/node' }))).toMatchObject({ passed: false, path: '/opt/node/bin/node' });
  });
});

describe('the default version pattern', () => {
  it.each([
    ['node', 'v20.11.1', 'v20.11.1'],
    ['git', 'git version 2.39.2', '2.39.2'],
    ['git on macOS', 'git version 2.39.3 (Apple Git-145)', '2.39.3'],
    ['python', 'Python 3.11.2', '3.11.2'],
    ['cascade-tools', 'cascade-tools 0.1.0 (fixture)', '0.1.0'],
    ['a two-part version', '1.2', '1.2'],
    ['a prerelease', '10.2.1-beta.3', '10.2.1-beta.3'],
    ['go', 'go version go1.22.1 linux/amd64', '1.22.1'],
    ['java', 'openjdk 21.0.2 2024-01-16\nOpenJDK Runtime Environment (build 21.0.2+13-Debian-1)\nOpenJDK 64-Bit Server VM', '21.0.2'],
    ['java 8', 'openjdk version "1.8.0_392"', '1.8.0'],
    ['rustc', 'rustc 1.77.0 (aedd173a2 2024-03-17)', '1.77.0'],
    ['cargo', 'cargo 1.77.0 (3fe68eabf 2024-02-29)', '1.77.0'],
    ['docker', 'Docker version 24.0.7, build afdd53b', '24.0.7'],
    ['docker compose', 'Docker Compose version v2.24.5', 'v2.24.5'],
    ['npm', '10.2.4', '10.2.4'],
    ['gh', 'gh version 2.40.1 (2023-12-13)\nhttps://github.com/cli/cli/releases/tag/v2.40.1', '2.40.1'],
    ['bash', 'GNU bash, version 5.2.15(1)-release (x86_64-pc-linux-gnu)', '5.2.15'],
    ['jq', 'jq-1.7.1', '1.7.1'],
    ['pip', 'pip 23.0.1 from /usr/lib/python3/dist-packages/pip (python 3.11)', '23.0.1'],
    ['terraform', 'Terraform v1.7.4\non linux_amd64', 'v1.7.4'],
    ['kubectl', 'Client Version: v1.29.2\nKustomize Version: v5.0.4', 'v1.29.2'],
    ['a v ending a word', 'dev1.2 build', '1.2'],
    ['build metadata', 'tool 1.0.0+20240101', '1.0.0+20240101'],
  ])('reads %s', (_tool, banner, expected) => {
    expect(readVersion(banner, null)).toBe(expected);
  });

  it.each([['no digits', 'cascade-tools'], ['a single number', 'openjdk 21 2023-09-19'], ['a date', 'built 2024-01-16'], ['empty', '']])('finds nothing in %s', (_what, banner) => {
    expect(readVersion(banner, null)).toBeNull();
  });

  it('is a plain (stateless) regular expression', () => {
    expect(DEFAULT_VERSION_PATTERN.global || DEFAULT_VERSION_PATTERN.sticky).toBe(false);
  });
});

describe('file checks', () => {
  it.each([
    ['a file', file(), facts()],
    ['anything, for type any', file({ type: 'any' }), facts({ type: 'other' })],
    ['a directory', file({ type: 'directory', path: '/home/agent' }), facts({ type: 'directory' })],
    ['executable, mode and owner by name', file({ executable: true, mode: '0755', owner: 'root' }), facts()],
    ['a three-digit mode spelling', file({ mode: '755' }), facts()],
    ['owner by uid', file({ owner: '1000' }), facts({ uid: 1000, user: null })],
  ])('passes %s', (_what, check, found) => {
    expect(judgeContainerCheck(check, ran(0, '', { file: found }))).toMatchObject({ passed: true, detail: '', kind: 'file' });
  });

  it.each([
    ['nothing there', file(), null, 'not found'],
    ['no facts reported', file(), undefined, 'no result'],
    ['a directory where a file is needed', file(), facts({ type: 'directory' }), 'is a directory, need a file'],
    ['a file where a directory is needed', file({ type: 'directory' }), facts(), 'is a file, need a directory'],
    ['a socket', file(), facts({ type: 'other' }), 'is neither a file nor a directory, need a file'],
    ['not executable', file({ executable: true }), facts({ executable: false, mode: '0644' }), 'not executable'],
    ['executable where it must not be', file({ executable: false }), facts(), 'executable, need not executable'],
    ['the wrong mode', file({ mode: '0755' }), facts({ mode: '0644' }), 'mode 0644, need 0755'],
    ['no stat for the mode', file({ mode: '0755' }), facts({ mode: null, uid: null, user: null }), 'cannot read mode: no stat in the image'],
    ['the wrong owner by name', file({ owner: 'agent' }), facts(), 'owner root (uid 0), need agent'],
    ['the wrong owner by uid', file({ owner: '1000' }), facts(), 'owner root (uid 0), need 1000'],
    ['a uid with no passwd entry', file({ owner: 'agent' }), facts({ uid: 1001, user: null }), 'owner uid 1001, need agent'],
    ['no stat for the owner', file({ owner: 'agent' }), facts({ mode: null, uid: null, user: null }), 'cannot read owner: no stat in the image'],
    ['everything at once', file({ executable: true, mode: '0755', owner: 'agent' }), facts({ type: 'directory', executable: false, mode: '0700' }), 'is a directory, need a file; not executable; mode 0700, need 0755; owner root (uid 0), need agent'],
  ])('fails on %s', (_what, check, found, detail) => {
    expect(judgeContainerCheck(check, ran(0, '', { file: found }))).toMatchObject({ passed: false, detail });
  });

  it('fails with no result when the probe never ended', () => {
    expect(judgeContainerCheck(file(), ran(null, '', { file: facts() }))).toMatchObject({ passed: false, detail: 'no result' });
  });
});

describe('judgeChecks', () => {
  const config: ConfigCheck = { id: 'user', label: 'not root', severity: 'soft', kind: 'config', expect: { user: { notRoot: true } } };

  it('judges every check in contract order; one never observed has no result', () => {
    const observations = new Map<string, Observation>([
      ['node', ran(0, 'v20.11.1', { path: '/usr/bin/node' })],
      ['git', ran(127, 'bash: git: command not found', { path: null })],
    ]);
    const results = judgeChecks([...WORKER_CONTRACT.checks, config], observations, IMPORTED_CONFIG);
    expect(results.map((r) => [r.id, r.passed, r.detail])).toEqual([
      ['cascade-tools', false, 'no result'],
      ['node', true, ''],
      ['git', false, 'not on PATH'],
      ['engine-cli', false, 'no result'],
      ['python', false, 'no result'],
      ['playwright', false, 'no result'],
      ['user', false, 'runs as root (User is empty)'],
    ]);
  });

  it('gives config checks no result without a configuration', () => {
    expect(judgeChecks([config], new Map(), null)).toEqual([
      { id: 'user', label: 'not root', kind: 'config', severity: 'soft', passed: false, exitCode: null, output: '', detail: 'no result' },
    ]);
  });
});
