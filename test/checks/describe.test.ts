import { describe, expect, it } from 'vitest';
import { clip, describeFailures, meaningfulLine, oneLine, reportOf } from '../../src/checks/describe.js';
import { judgeContainerCheck } from '../../src/checks/judge.js';
import type { CheckResult, VersionCheck } from '../../src/domain/index.js';

const result = (overrides: Partial<CheckResult>): CheckResult => ({
  id: 'x',
  label: 'x',
  kind: 'command',
  severity: 'hard',
  passed: false,
  exitCode: 1,
  output: '',
  detail: '',
  ...overrides,
});

const versionCheck = (tool: string, severity: 'hard' | 'soft', range: string | null = null): VersionCheck => ({
  id: tool,
  label: `${tool} --version`,
  severity,
  kind: 'version',
  tool,
  run: `${tool} --version`,
  pattern: null,
  range,
});

describe('reportOf', () => {
  it('splits the failures by severity, keeping every result and the completeness it is told', () => {
    const results = [
      result({ id: 'a', passed: true }),
      result({ id: 'b', severity: 'hard' }),
      result({ id: 'c', severity: 'soft' }),
      result({ id: 'd', severity: 'soft', passed: true }),
      result({ id: 'e', severity: 'hard', kind: 'config', exitCode: null }),
    ];
    const report = reportOf(results, false);
    expect(report.results).toBe(results);
    expect(report.complete).toBe(false);
    expect(report.hardFailures.map((r) => r.id)).toEqual(['b', 'e']);
    expect(report.softFailures.map((r) => r.id)).toEqual(['c']);
  });
});

describe('describeFailures', () => {
  it('names every failing check with what it found, hard first, in the wording of today', () => {
    const results = [
      judgeContainerCheck(versionCheck('node', 'hard', '>=20 <23'), { exitCode: 0, output: 'v18.19.0', path: '/usr/bin/node' }),
      judgeContainerCheck(
        { id: 'git', label: 'git --version', severity: 'hard', kind: 'command', run: 'git --version', exitCode: 0, expectOutput: [], rejectOutput: [] },
        { exitCode: 127, output: 'bash: git: command not found' },
      ),
      judgeContainerCheck(versionCheck('python', 'soft'), { exitCode: 127, output: 'bash: python: command not found', path: null }),
      judgeContainerCheck(versionCheck('cascade-tools', 'hard'), { exitCode: 0, output: 'cascade-tools 0.1.0', path: '/usr/local/bin/cascade-tools' }),
    ];
    expect(describeFailures(reportOf(results, true))).toBe(
      'hard checks failed: node --version (found v18.19.0, need >=20 <23), git --version (exit 127, expected 0: bash: git: command not found); soft checks failed: python --version (not on PATH)',
    );
  });

  it('says so when nothing failed, and speaks of one severity alone', () => {
    expect(describeFailures(reportOf([result({ passed: true })], true))).toBe('no checks failed');
    expect(describeFailures(reportOf([result({ severity: 'soft', label: 'python --version', detail: 'not on PATH' })], true))).toBe('soft checks failed: python --version (not on PATH)');
  });

  it('falls back to the exit status for a failed result with no detail', () => {
    expect(describeFailures(reportOf([result({ label: 'a', exitCode: 3 }), result({ label: 'b', exitCode: null })], false))).toBe('hard checks failed: a (exit 3), b (no result)');
  });

  it('keeps labels and details on one line, without colours, and clipped', () => {
    const text = describeFailures(
      reportOf([result({ label: `evil\u001b[31m\nlabel\r\t${'l'.repeat(200)}`, detail: `found \u001b]0;title\u0007v1\n${'d'.repeat(400)}` })], true),
    );
    expect(text).not.toMatch(/[\u0000-\u001f\u007f]/);
    expect(text).toMatch(/^hard checks failed: evil label l+… \(found v1 d+…\)$/);
    expect(text.length).toBeLessThan(20 + 80 + 240 + 5);
  });
});

describe('the text helpers', () => {
  it.each([
    ['colours', '\u001b[1;31mred\u001b[0m', 'red'],
    ['a title sequence', 'a\u001b]0;title\u0007b', 'ab'],
    ['a hyperlink', '\u001b]8;;https://x\u001b\\link\u001b]8;;\u001b\\', 'link'],
    ['tabs, CRs and newlines', 'a\tb\r\nc', 'a b c'],
    ['C1 controls', 'a\u009bb', 'a b'],
    ['surrounding space', '  a  ', 'a'],
  ])('oneLine strips %s', (_what, text, expected) => expect(oneLine(text)).toBe(expected));

  it('clip marks the cut and never splits an emoji', () => {
    expect(clip('abc', 3)).toBe('abc');
    expect(clip('abcd', 3)).toBe('ab…');
    expect(clip('😀😀😀😀', 3)).toBe('😀😀…');
  });

  it.each([
    ['the last error-like line', 'Error: boom\n  at x\nNode.js v20', 'last', 'Error: boom'],
    ['the last line with letters when none reads like an error', 'one\ntwo\n}\n', 'last', 'two'],
    ['the first such line when asked', 'gh version 1\nhttps://x', 'first', 'gh version 1'],
    ['nothing in blank output', '\n \n', 'last', ''],
  ] as const)('meaningfulLine picks %s', (_what, output, otherwise, expected) => expect(meaningfulLine(output, otherwise)).toBe(expected));
});
