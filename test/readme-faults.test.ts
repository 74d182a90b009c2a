// README's "Faults" table is checked against the fault suite: every row's fault (its first cell)
// has a `fault: <that cell>` test in the fault suite (test/e2e/faults*.test.ts), and every such test has a row.
// No engine needed: both files are only read.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const E2E = path.join(ROOT, 'test', 'e2e');
/** The fault suite: faults.test.ts and its siblings by concern (faults-engine.test.ts, faults-store.test.ts, …). */
const SUITE_FILES = readdirSync(E2E).filter((name) => /^faults(-[a-z-]+)?\.test\.ts$/.test(name)).sort();
const SUITE = SUITE_FILES.map((name) => readFileSync(path.join(E2E, name), 'utf8')).join('\n');

/** The cells of one markdown table row (`| a | b |`), honouring `\|` escapes. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

/** The `## Faults` section: from its heading to the next `## ` heading. */
function faultsSection(readme: string): string {
  const start = readme.search(/^## Faults[ \t]*$/m);
  if (start < 0) throw new Error('README.md has no "## Faults" section');
  const rest = readme.slice(start + 1);
  const next = rest.search(/^## /m);
  return next < 0 ? rest : rest.slice(0, next);
}

/** The first table of the section: its header cells and the first cell of every body row. */
function faultsTable(section: string): { header: string[]; faults: string[] } {
  const lines = section.split('\n');
  const first = lines.findIndex((line) => line.trim().startsWith('|'));
  if (first < 0) throw new Error('the "## Faults" section has no table');
  const rows: string[] = [];
  for (const line of lines.slice(first)) {
    if (!line.trim().startsWith('|')) break;
    rows.push(line);
  }
  const [head, rule, ...body] = rows;
  if (head === undefined || rule === undefined || !/^\|?\s*:?-{3,}/.test(rule.trim())) throw new Error('the Faults table has no header row');
  return { header: cells(head), faults: body.map((row) => cells(row)[0] ?? '') };
}

/**
 * The names of `fault: …` tests: the title (a '…', "…" or `…` literal without interpolation)
 * given to it / test, including .skip / .only / .skipIf(…) / .runIf(…) / .each forms.
 */
function faultTests(source: string): string[] {
  const names: string[] = [];
  const call = /\b(?:it|test)(?:\.(?:skip|only|todo|fails|concurrent|sequential))*(?:\.(?:skipIf|runIf)\([^()]*(?:\([^()]*\)[^()]*)*\))?\(\s*(['"`])fault: ((?:\\.|(?!\1)[^\\])*)\1/g;
  for (const match of source.matchAll(call)) {
    const quote = match[1];
    const raw = match[2] ?? '';
    if (quote === '`' && raw.includes('${')) throw new Error(`a fault test title must not interpolate: ${raw}`);
    names.push(raw.replace(/\\(.)/g, '$1'));
  }
  return names;
}

describe('README "Faults" table ↔ the fault suite (test/e2e/faults*.test.ts)', () => {
  const { header, faults } = faultsTable(faultsSection(README));
  const tests = faultTests(SUITE);

  it('the table keeps its columns: fault | what the user sees | what is stored', () => {
    expect(header).toEqual(['fault', 'what the user sees', 'what is stored']);
    expect(faults.length).toBeGreaterThan(0);
    expect(faults.every((fault) => fault !== '')).toBe(true);
  });

  it('every row names a different fault, and every fault test has a different name', () => {
    expect(new Set(faults).size, faults.join('\n')).toBe(faults.length);
    expect(new Set(tests).size, tests.join('\n')).toBe(tests.length);
  });

  it('every row of the table has a `fault: <name>` test', () => {
    expect(faults.filter((fault) => !tests.includes(fault))).toEqual([]);
  });

  it('every `fault: <name>` test has a row in the table', () => {
    expect(tests.length).toBeGreaterThan(0);
    expect(tests.filter((name) => !faults.includes(name))).toEqual([]);
  });

  it('the parsers read what they should (escaped pipes, quotes, skip forms)', () => {
    expect(cells('| a \\| b | c |')).toEqual(['a | b', 'c']);
    expect(
      faultTests(
        [
          "it('fault: one', …)",
          'it.skip("fault: two", …)',
          "it.skipIf(!ok && f(x))('fault: three\\'s', …)",
          "test(`fault: four, with 'quotes'`, …)",
          "it('not a fault', …)",
          "describe('fault: not a test', …)",
        ].join('\n'),
      ),
    ).toEqual(['one', 'two', "three's", "four, with 'quotes'"]);
  });
});
