import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/domain/index.js';
import { renderJUnit, type JUnitItem } from '../../src/render/junit.js';

// --- a deliberately strict reader for the subset of XML the renderer emits -------------------

interface Element {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: Element[];
  text: string;
}

const ENTITY = /&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/g;
// Characters XML 1.0 forbids outright (literal or as references).
const ILLEGAL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

function decode(raw: string, where: string): string {
  // Every '&' must start one of the known references.
  if (raw.replace(ENTITY, '').includes('&')) throw new Error(`bare & in ${where}: ${raw}`);
  return raw.replace(ENTITY, (entity) => {
    const named: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'" };
    if (named[entity] !== undefined) return named[entity];
    const code = entity.startsWith('&#x') ? parseInt(entity.slice(3, -1), 16) : Number(entity.slice(2, -1));
    const char = String.fromCodePoint(code);
    if (ILLEGAL.test(char)) throw new Error(`reference to an illegal character ${entity} in ${where}`);
    return char;
  });
}

/** Parses the document into a tree, throwing on anything malformed: unbalanced or stray tags, bad attributes, bare & or <. */
function parseXml(xml: string): Element {
  if (ILLEGAL.test(xml)) throw new Error('illegal XML 1.0 character in the document');
  const declaration = /^<\?xml version="1\.0" encoding="UTF-8"\?>\n/;
  if (!declaration.test(xml)) throw new Error('missing XML declaration');
  const body = xml.replace(declaration, '');
  const token = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  const stack: Element[] = [{ name: '#document', attrs: {}, children: [], text: '' }];
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = token.exec(body)) !== null) {
    consumed = token.lastIndex;
    const [, closing, name, rawAttrs, selfClosing, text] = match;
    const top = stack.at(-1)!;
    if (text !== undefined) {
      if (text.includes('>')) throw new Error(`unescaped > in text: ${text}`);
      top.text += decode(text, `<${top.name}> text`);
      continue;
    }
    if (closing === '/') {
      if (top.name !== name) throw new Error(`</${name}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const [, key, value] of (rawAttrs ?? '').matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) {
      if (key! in attrs) throw new Error(`duplicate attribute ${key} on <${name}>`);
      if (/[\n\r\t]/.test(value!)) throw new Error(`literal whitespace control in attribute ${key}`);
      attrs[key!] = decode(value!, `${name}@${key}`);
    }
    const element: Element = { name: name!, attrs, children: [], text: '' };
    top.children.push(element);
    if (selfClosing !== '/') stack.push(element);
  }
  if (consumed !== body.length) throw new Error(`unparseable XML at offset ${consumed}: ${body.slice(consumed, consumed + 40)}`);
  if (stack.length !== 1) throw new Error(`unclosed <${stack.at(-1)!.name}>`);
  const document = stack[0]!;
  if (document.children.length !== 1 || document.text.trim() !== '') throw new Error('expected exactly one root element');
  return document.children[0]!;
}

const kids = (element: Element, name: string) => element.children.filter((c) => c.name === name);
const only = (element: Element, name: string): Element => {
  const found = kids(element, name);
  if (found.length !== 1) throw new Error(`expected one <${name}> in <${element.name}>, found ${found.length}`);
  return found[0]!;
};

// --- fixtures ------------------------------------------------------------------------------

function check(label: string, passed: boolean, severity: 'hard' | 'soft' = 'hard', output = '', exitCode: number | null = passed ? 0 : 1): CheckResult {
  return { id: label.split(' ')[0]!, label, kind: 'command', severity, passed, exitCode, output, detail: '' };
}

const allPassing = [check('node --version', true, 'hard', 'v20.11.0'), check('git --version', true), check('python --version', true, 'soft')];

function item(overrides: Partial<JUnitItem> & Pick<JUnitItem, 'project'>): JUnitItem {
  return { reference: 'registry.example.com/team/worker:1.4', status: 'verified', reason: null, durationMs: 1234, checks: allPassing, ...overrides };
}

const TIMESTAMP = '2024-05-01T12:00:00';

describe('renderJUnit', () => {
  const items: JUnitItem[] = [
    item({ project: 'alpha' }),
    item({
      project: 'beta',
      status: 'failed',
      reason: 'hard checks failed: git --version (exit 127)',
      durationMs: 2500,
      checks: [
        check('node --version', true),
        check('git --version', false, 'hard', 'bash: git: command not found', 127),
        check('python --version', false, 'soft', 'bash: python: command not found', 127),
      ],
    }),
    item({ project: 'gamma', status: 'failed', reason: 'pull failed: manifest unknown', durationMs: 800, checks: undefined }),
    item({ project: 'delta', status: 'skipped', reason: 'validation deferred (--no-validate)', durationMs: 0, checks: undefined }),
    item({ project: 'epsilon', reference: null, status: 'verified', checks: [check('node --version', true), check('python --version', false, 'soft', 'no python', 127)] }),
  ];
  const xml = renderJUnit(items, { timestamp: TIMESTAMP, hostname: 'ci-runner-1' });
  const root = parseXml(xml);
  const suites = kids(root, 'testsuite');
  const suite = (name: string) => suites.find((s) => s.attrs.name === name)!;

  it('is one <testsuites> with one <testsuite> per project, in order', () => {
    expect(root.name).toBe('testsuites');
    expect(root.children.map((c) => c.name)).toEqual(Array(5).fill('testsuite'));
    expect(suites.map((s) => s.attrs.name)).toEqual(['alpha', 'beta', 'gamma', 'delta', 'epsilon']);
  });

  it.each([
    // project, tests, failures, skipped, time
    ['alpha', 3, 0, 0, '1.234'],
    ['beta', 3, 2, 0, '2.500'],
    ['gamma', 1, 1, 0, '0.800'],
    ['delta', 1, 0, 1, '0.000'],
    ['epsilon', 2, 1, 0, '1.234'],
  ])('suite %s: tests=%i failures=%i skipped=%i time=%s', (name, tests, failures, skipped, time) => {
    const s = suite(name);
    expect(s.attrs).toMatchObject({ tests: String(tests), failures: String(failures), errors: '0', skipped: String(skipped), time, timestamp: TIMESTAMP, hostname: 'ci-runner-1' });
    const cases = kids(s, 'testcase');
    expect(cases).toHaveLength(tests);
    expect(cases.filter((c) => kids(c, 'failure').length === 1)).toHaveLength(failures);
    expect(cases.filter((c) => kids(c, 'skipped').length === 1)).toHaveLength(skipped);
    for (const c of cases) expect(c.attrs.classname).toBe(name);
  });

  it('totals on <testsuites> add up', () => {
    expect(root.attrs).toMatchObject({ name: 'cascade-image', tests: '10', failures: '4', errors: '0', skipped: '1', time: '5.768', timestamp: TIMESTAMP });
  });

  it('one testcase per check, named by its label', () => {
    expect(kids(suite('alpha'), 'testcase').map((c) => c.attrs.name)).toEqual(['node --version', 'git --version', 'python --version']);
    expect(kids(suite('alpha'), 'testcase').every((c) => c.children.length === 0)).toBe(true);
  });

  it('hard failure: <failure type="hard"> with exit status and output', () => {
    const failure = only(kids(suite('beta'), 'testcase').find((c) => c.attrs.name === 'git --version')!, 'failure');
    expect(failure.attrs).toEqual({ message: 'exit 127: bash: git: command not found', type: 'hard' });
    expect(failure.text).toBe('FAIL: git --version check failed\nexit 127: bash: git: command not found\n\nbash: git: command not found');
  });

  it('a failure says what was found against what was expected, in the message and the body', () => {
    const found = { ...check('node --version', false, 'hard', 'v18.19.0', 0), kind: 'version' as const, detail: 'found v18.19.0, need >=20 <23' };
    const xml = renderJUnit([item({ project: 'delta', status: 'failed', reason: 'hard checks failed', checks: [found] })], { timestamp: '2026-12-01T00:00:00Z' });
    expect(xml).toContain('<failure message="found v18.19.0, need &gt;=20 &lt;23" type="hard">FAIL: node --version check failed\nfound v18.19.0, need &gt;=20 &lt;23\n\nv18.19.0</failure>');
  });

  it('soft failure: a failure marked "soft: " with type="soft"', () => {
    const failure = only(kids(suite('beta'), 'testcase').find((c) => c.attrs.name === 'python --version')!, 'failure');
    expect(failure.attrs).toEqual({ message: 'soft: exit 127: bash: python: command not found', type: 'soft' });
  });

  it('a failed project without check results: one failing `validation` testcase with the reason', () => {
    const cases = kids(suite('gamma'), 'testcase');
    expect(cases.map((c) => c.attrs)).toEqual([{ classname: 'gamma', name: 'validation', time: '0.800' }]);
    const failure = only(cases[0]!, 'failure');
    expect(failure.attrs).toEqual({ message: 'pull failed: manifest unknown', type: 'validation' });
    expect(failure.text).toBe('pull failed: manifest unknown');
  });

  it('a skipped project: one skipped `validation` testcase with the reason', () => {
    const skipped = only(only(suite('delta'), 'testcase'), 'skipped');
    expect(skipped.attrs).toEqual({ message: 'validation deferred (--no-validate)' });
  });

  it('a verified project with only soft failures has no validation case', () => {
    expect(kids(suite('epsilon'), 'testcase').map((c) => c.attrs.name)).toEqual(['node --version', 'python --version']);
  });

  it('suite properties carry reference, status and reason', () => {
    const props = (name: string) => Object.fromEntries(kids(only(suite(name), 'properties'), 'property').map((p) => [p.attrs.name, p.attrs.value]));
    expect(props('beta')).toEqual({ reference: 'registry.example.com/team/worker:1.4', status: 'failed', reason: 'hard checks failed: git --version (exit 127)' });
    expect(props('epsilon')).toEqual({ status: 'verified' });
  });

  it.each<[string, JUnitItem, string[]]>([
    [
      'failed with all checks passing (e.g. the digest could not be pinned)',
      item({ project: 'p', status: 'failed', reason: 'could not pin the digest', checks: allPassing }),
      ['node --version:passed', 'git --version:passed', 'python --version:passed', 'validation:failure'],
    ],
    [
      'failed with only a soft failure plus an incomplete report',
      item({ project: 'p', status: 'failed', reason: 'timed out after 5m', checks: [check('node --version', true), check('python --version', false, 'soft', '', null)] }),
      ['node --version:passed', 'python --version:failure', 'validation:failure'],
    ],
    ['verified without checks (empty list)', item({ project: 'p', checks: [] }), ['validation:passed']],
    ['failed without a reason', item({ project: 'p', status: 'failed', reason: null, checks: undefined }), ['validation:failure']],
  ])('%s', (_name, input, expected) => {
    const testcases = kids(only(parseXml(renderJUnit([input], { timestamp: TIMESTAMP })), 'testsuite'), 'testcase');
    expect(testcases.map((c) => `${c.attrs.name}:${c.children[0]?.name ?? 'passed'}`)).toEqual(expected);
  });

  it('a check with no end marker says so', () => {
    const x = parseXml(renderJUnit([item({ project: 'p', status: 'failed', reason: 'r', checks: [check('git --version', false, 'hard', '', null)] })], { timestamp: TIMESTAMP }));
    expect(only(only(only(x, 'testsuite'), 'testcase'), 'failure').attrs.message).toBe('no result (the check did not finish)');
  });

  it('no items: an empty, valid <testsuites>', () => {
    const x = parseXml(renderJUnit([], { timestamp: TIMESTAMP, suiteName: 'nightly' }));
    expect(x.attrs).toMatchObject({ name: 'nightly', tests: '0', failures: '0', skipped: '0', time: '0.000' });
    expect(x.children).toEqual([]);
  });

  it('bad durations become 0', () => {
    const x = parseXml(renderJUnit([item({ project: 'p', durationMs: Number.NaN }), item({ project: 'q', durationMs: -5 })], { timestamp: TIMESTAMP }));
    expect(kids(x, 'testsuite').map((s) => s.attrs.time)).toEqual(['0.000', '0.000']);
  });
});

describe('renderJUnit escaping', () => {
  const nasty = `<tag attr="v" other='w'> & </tag> ]]> &amp;`;
  const controls = 'a\u0000b\u0001c\u0008d\u000be\u000cf\u001bg\u001fh\ufffei\uffffj\ud800k\udc00l';
  const colours = '\u001b[31merror:\u001b[0m bad thing';

  const input = item({
    project: `proj"<&>'`,
    reference: `ref with "quotes" & <angles>`,
    status: 'failed',
    reason: `first line\nsecond\tline "q" <x> & 'a'`,
    checks: [
      check(nasty, false, 'hard', `${nasty}\n${controls}\n${colours}\r\nlast 😀 line`),
      check(`label\u0007with bell`, false, 'soft', 'x'),
    ],
  });
  const xml = renderJUnit([input], { timestamp: `2024-05-01T12:00:00"<&`, hostname: `h'o"st`, suiteName: `s<&>` });
  const root = parseXml(xml);
  const s = only(root, 'testsuite');
  const [first, second] = kids(s, 'testcase');

  it('is well formed and has no raw control characters', () => {
    expect(() => parseXml(xml)).not.toThrow();
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    expect(xml).not.toContain('\u001b');
    expect(xml).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });

  it('attributes round-trip <>&"\' exactly', () => {
    expect(root.attrs.name).toBe('s<&>');
    expect(s.attrs).toMatchObject({ name: `proj"<&>'`, timestamp: `2024-05-01T12:00:00"<&`, hostname: `h'o"st` });
    expect(first!.attrs).toMatchObject({ classname: `proj"<&>'`, name: nasty });
    const props = Object.fromEntries(kids(only(s, 'properties'), 'property').map((p) => [p.attrs.name, p.attrs.value]));
    expect(props.reference).toBe(`ref with "quotes" & <angles>`);
    // Newlines and tabs survive inside attributes as character references.
    expect(props.reason).toBe(`first line\nsecond\tline "q" <x> & 'a'`);
    expect(xml).toContain('first line&#10;second&#9;line');
  });

  it('text round-trips markup, strips illegal characters and colour codes, keeps CR and emoji', () => {
    const failure = only(first!, 'failure');
    expect(failure.text.endsWith(`\n\n${nasty}\nabcdefghijkl\nerror: bad thing\r\nlast 😀 line`)).toBe(true);
    expect(xml).not.toContain(']]>');
  });

  it('messages are one clean line, controls stripped', () => {
    expect(only(first!, 'failure').attrs.message).toBe('exit 1: last 😀 line');
    expect(second!.attrs.name).toBe('labelwith bell');
    expect(only(second!, 'failure').attrs.message).toBe('soft: exit 1: x');
  });

  it('long messages are clipped, the body keeps everything', () => {
    const long = 'x'.repeat(5000);
    const x = parseXml(renderJUnit([item({ project: 'p', status: 'failed', reason: long, checks: undefined })], { timestamp: TIMESTAMP }));
    const failure = only(only(only(x, 'testsuite'), 'testcase'), 'failure');
    expect(failure.attrs.message!.length).toBe(200);
    expect(failure.attrs.message!.endsWith('…')).toBe(true);
    expect(failure.text).toBe(long);
  });

  it('the reader used here does reject broken XML', () => {
    const good = '<?xml version="1.0" encoding="UTF-8"?>\n<a><b x="1"/></a>';
    expect(() => parseXml(good)).not.toThrow();
    for (const bad of ['<a><b></a>', '<a>x & y</a>', '<a x="<"/>', '<a></a><b/>', '<a>', '<a>\u0001</a>', '<a x="1" x="2"/>']) {
      expect(() => parseXml(`<?xml version="1.0" encoding="UTF-8"?>\n${bad}`)).toThrow();
    }
  });
});
