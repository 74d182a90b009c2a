import { describe, expect, it } from 'vitest';
import type { CheckContract } from '../../src/checks/contract.js';
import { describeFailures, parseSmokeOutput, type SmokeReport } from '../../src/checks/report.js';

const CONTRACT: CheckContract = {
  version: 1,
  checks: [
    { id: 'node', label: 'node --version', severity: 'hard', command: 'node --version' },
    { id: 'git', label: 'git --version', severity: 'hard', command: 'git --version' },
    { id: 'python', label: 'python --version', severity: 'soft', command: 'python --version' },
  ],
};

const block = (index: number, exit: number | null, ...lines: string[]) =>
  [`@@cascade-check ${index} begin`, ...lines.map((l) => `| ${l}`), ...(exit === null ? [] : [`@@cascade-check ${index} end ${exit}`])].join('\n');

const FULL_RUN = [
  block(0, 0, 'v20.11.1'),
  block(1, 127, 'bash: line 9: git: command not found'),
  'FAIL: git --version check failed',
  block(2, 127, 'bash: line 12: python: command not found'),
  'FAIL: python --version check failed',
  '',
].join('\n');

const summary = (report: SmokeReport) => report.results.map((r) => [r.id, r.passed, r.exitCode, r.output]);

describe('parseSmokeOutput', () => {
  it('maps each block to its check by index', () => {
    const report = parseSmokeOutput(CONTRACT, FULL_RUN);
    expect(report.complete).toBe(true);
    expect(summary(report)).toEqual([
      ['node', true, 0, 'v20.11.1'],
      ['git', false, 127, 'bash: line 9: git: command not found'],
      ['python', false, 127, 'bash: line 12: python: command not found'],
    ]);
    expect(report.results[1]).toMatchObject({ label: 'git --version', severity: 'hard' });
    expect(report.hardFailures.map((r) => r.id)).toEqual(['git']);
    expect(report.softFailures.map((r) => r.id)).toEqual(['python']);
  });

  it.each<[string, string, Array<number | null>, boolean]>([
    ['empty output', '', [null, null, null], false],
    ['output cut before the last check', [block(0, 0), block(1, 0)].join('\n'), [0, 0, null], false],
    ['output cut inside a block', [block(0, 0), block(1, null, 'partial')].join('\n'), [0, null, null], false],
    ['blocks out of order', [block(2, 1), block(0, 0), block(1, 0)].join('\n'), [0, 0, 1], true],
    ['an index reported twice (the last block wins)', [block(0, 1), block(1, 0), block(2, 0), block(0, 0)].join('\n'), [0, 0, 0], true],
    ['an end without a begin', ['@@cascade-check 0 end 0', block(1, 0), block(2, 0)].join('\n'), [null, 0, 0], false],
    ['an end for another index', ['@@cascade-check 0 begin', '@@cascade-check 1 end 0', block(1, 3)].join('\n'), [null, 3, null], false],
    ['an index beyond the contract', [block(0, 0), block(1, 0), block(2, 0), block(3, 9)].join('\n'), [0, 0, 0], true],
    ['leading zeros, signs and trailing junk', ['@@cascade-check 0 begin', '@@cascade-check 0 end 00', '@@cascade-check 0 end 0 x', '@@cascade-check 0 end -1', ' @@cascade-check 0 end 0'].join('\n'), [null, null, null], false],
    ['CRLF line endings (container run with a TTY)', FULL_RUN.replaceAll('\n', '\r\n'), [0, 127, 127], true],
  ])('%s', (_name, output, exitCodes, complete) => {
    const report = parseSmokeOutput(CONTRACT, output);
    expect(report.results.map((r) => r.exitCode)).toEqual(exitCodes);
    expect(report.results.map((r) => r.passed)).toEqual(exitCodes.map((c) => c === 0));
    expect(report.complete).toBe(complete);
    expect(report.hardFailures.length + report.softFailures.length).toBe(exitCodes.filter((c) => c !== 0).length);
  });

  it('ignores everything outside blocks and unprefixed noise inside them', () => {
    const output = [
      'Unable to find image locally',
      'bash: warning: setlocale: LC_ALL: cannot change locale',
      '@@cascade-check 0 begin',
      'stray stderr line from the script itself',
      '| v20.11.1',
      '@@cascade-check 0 end 0',
      'FAIL: node --version check failed',
      block(1, 0, 'git version 2.43.0'),
      block(2, 0, 'Python 3.12'),
    ].join('\n');
    expect(summary(parseSmokeOutput(CONTRACT, output))).toEqual([
      ['node', true, 0, 'v20.11.1'],
      ['git', true, 0, 'git version 2.43.0'],
      ['python', true, 0, 'Python 3.12'],
    ]);
  });

  it('strips exactly one prefix and keeps the rest of each line verbatim', () => {
    const output = [
      '@@cascade-check 0 begin',
      '| | nested',
      '|   indented',
      '| ',
      '|', // a log pipeline that strips trailing spaces
      '| @@cascade-check 1 end 0',
      '| FAIL: git --version check failed',
      '@@cascade-check 0 end 5',
    ].join('\n');
    const report = parseSmokeOutput(CONTRACT, output);
    expect(report.results[0]?.output).toBe('| nested\n  indented\n\n\n@@cascade-check 1 end 0\nFAIL: git --version check failed');
    expect(report.results[0]?.exitCode).toBe(5);
    expect(report.results[1]?.exitCode).toBeNull();
  });

  it('keeps what an unfinished block printed', () => {
    const report = parseSmokeOutput(CONTRACT, [block(0, 0), block(1, null, 'half a line')].join('\n'));
    expect(report.results[1]).toMatchObject({ passed: false, exitCode: null, output: 'half a line' });
  });

  it('reports an empty contract as complete', () => {
    expect(parseSmokeOutput({ version: 1, checks: [] }, 'anything')).toEqual({
      results: [],
      complete: true,
      hardFailures: [],
      softFailures: [],
    });
  });
});

describe('describeFailures', () => {
  const report = (...blocks: string[]) => parseSmokeOutput(CONTRACT, blocks.join('\n'));

  it.each<[string, SmokeReport, string]>([
    ['nothing failed', report(block(0, 0), block(1, 0), block(2, 0)), 'no checks failed'],
    [
      'hard and soft failures',
      parseSmokeOutput(CONTRACT, FULL_RUN),
      'hard checks failed: git --version (exit 127: bash: line 9: git: command not found); soft checks failed: python --version (exit 127: bash: line 12: python: command not found)',
    ],
    ['a failure without output', report(block(0, 0), block(1, 0), block(2, 127)), 'soft checks failed: python --version (exit 127)'],
    [
      'several hard failures and missing results',
      report(block(0, 1, 'boom')),
      'hard checks failed: node --version (exit 1: boom), git --version (no result); soft checks failed: python --version (no result)',
    ],
    [
      'the last meaningful line, skipping blank and punctuation-only lines',
      report(block(0, 2, 'starting', 'still going', '', '  }  ', '^', ''), block(1, 0), block(2, 0)),
      'hard checks failed: node --version (exit 2: still going)',
    ],
    [
      'the last error-like line over a trailing banner',
      report(
        block(0, 0),
        block(1, 0),
        block(2, 1, 'node:internal/modules/cjs/loader:1210', '  throw err;', '  ^', '', "Error: Cannot find module '@playwright/test/package.json'", '    at Module._load (node:internal/modules/cjs/loader:1038:27)', '}', '', 'Node.js v20.20.2'),
      ),
      "soft checks failed: python --version (exit 1: Error: Cannot find module '@playwright/test/package.json')",
    ],
    [
      'control characters and runs of whitespace',
      report(block(0, 0), block(1, 1, '\u001b[31mfatal:\u001b[0m   not a\tgit repository\r'), block(2, 0)),
      'hard checks failed: git --version (exit 1: fatal: not a git repository)',
    ],
  ])('%s', (_name, input, expected) => {
    expect(describeFailures(input)).toBe(expected);
  });

  it('clips a long line to about 120 characters', () => {
    const text = describeFailures(report(block(0, 0), block(1, 0), block(2, 1, `error: ${'x'.repeat(500)}`)));
    const detail = /\(exit 1: (.*)\)$/.exec(text)?.[1] ?? '';
    expect(detail.length).toBe(120);
    expect(detail.endsWith('…')).toBe(true);
    expect(text.length).toBeLessThan(200);
  });

  it('names every failing check of a large contract on one line', () => {
    const big: CheckContract = {
      version: 1,
      checks: Array.from({ length: 8 }, (_, i) => ({
        id: `c${i}`,
        label: `check number ${i}`,
        severity: i % 3 === 0 ? 'soft' : 'hard',
        command: 'true',
      })),
    };
    const output = big.checks.map((_, i) => block(i, i % 2 === 0 ? 0 : 10 + i, `failure ${i}`)).join('\n');
    const text = describeFailures(parseSmokeOutput(big, output));
    expect(text).not.toContain('\n');
    for (const i of [1, 3, 5, 7]) expect(text).toContain(`check number ${i} (exit ${10 + i}: failure ${i})`);
    for (const i of [0, 2, 4, 6]) expect(text).not.toContain(`check number ${i} `);
    expect(text.indexOf('hard checks failed')).toBeLessThan(text.indexOf('soft checks failed'));
  });
});
