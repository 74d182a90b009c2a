import { describe, expect, it } from 'vitest';
import { WORKER_CONTRACT } from '../../../src/checks/worker-contract.js';
import { ContractFileError, ExitCode, UsageError } from '../../../src/errors.js';
import { loadContract, MAX_FILE_BYTES, parseContractFile } from '../../../src/formats/contract-file/index.js';

/** The error loading `text` ends in (parse or resolve: every error must name file, line and field). */
function failure(text: string, fileName = 'team.yaml'): ContractFileError {
  try {
    loadContract(text, fileName, WORKER_CONTRACT);
  } catch (error) {
    if (error instanceof ContractFileError) return error;
    throw error;
  }
  throw new Error('expected a ContractFileError');
}

const lines = (...rows: string[]) => `${rows.join('\n')}\n`;

interface ErrorCase {
  readonly name: string;
  readonly text: string;
  readonly line: number;
  readonly column: number;
  readonly field: string;
  /** A part of the first issue's message. */
  readonly says: string;
}

describe('every kind of error names the file, the line and the field', () => {
  const cases: ErrorCase[] = [
    // YAML itself
    { name: 'YAML syntax', text: lines('contract: 1', 'checks:', '  - id: a', '    run: a: b', '    kind: command'), line: 4, column: 10, field: 'checks[0].run.a', says: 'YAML: Nested mappings are not allowed' },
    { name: 'YAML syntax at the end', text: lines('contract: 1', 'checks:', '  - id: a', '    kind: [command'), line: 5, column: 1, field: '(file)', says: 'YAML: Flow sequence' },
    { name: 'duplicate key', text: lines('contract: 1', 'checks:', '  - id: a', '    kind: command', '    run: x', '    run: y'), line: 6, column: 5, field: 'checks[0].run', says: 'duplicate key' },
    { name: 'two documents', text: lines('contract: 1', '---', 'contract: 1'), line: 2, column: 1, field: '(file)', says: 'more than one YAML document' },
    { name: 'a custom tag', text: lines('contract: 1', 'name: !secret x'), line: 2, column: 7, field: 'name', says: 'Unresolved tag: !secret' },
    { name: 'an empty file', text: lines('# nothing yet'), line: 1, column: 1, field: '(file)', says: 'is empty' },
    { name: 'a list at the top', text: lines('- contract: 1'), line: 1, column: 1, field: '(file)', says: 'must be a mapping' },
    // the format version
    { name: 'no contract key', text: lines('# a contract', 'name: x', 'checks: []'), line: 2, column: 1, field: 'contract', says: 'is required: the format version' },
    { name: 'an unknown version', text: lines('contract: 2', 'checks: []'), line: 1, column: 11, field: 'contract', says: 'format version 2 is not known (known versions: 1)' },
    { name: 'a version as text', text: lines('contract: "1"'), line: 1, column: 11, field: 'contract', says: 'must be the format version, a number (known versions: 1), not "1"' },
    // keys
    { name: 'an unknown top-level key', text: lines('contract: 1', 'extends: worker', 'chekcs: []'), line: 3, column: 1, field: 'chekcs', says: 'unknown key "chekcs" (did you mean "checks"?)' },
    {
      name: 'an unknown check key',
      text: lines('contract: 1', 'checks:', '  - id: node', '    kind: version', '    tool: node', '    rnage: ">=20"'),
      line: 6,
      column: 5,
      field: 'checks[0].rnage',
      says: 'unknown key "rnage" (did you mean "range"?)',
    },
    {
      name: "another kind's key",
      text: lines('contract: 1', 'checks:', '  - id: gh', '    kind: command', '    run: gh --version', '    tool: gh'),
      line: 6,
      column: 5,
      field: 'checks[0].tool',
      says: 'unknown key "tool" for this kind of check (it belongs to version checks)',
    },
    { name: 'a missing kind', text: lines('contract: 1', 'checks:', '  - id: gh', '    run: gh'), line: 3, column: 5, field: 'checks[0].kind', says: 'is required: command, version, file or config' },
    { name: 'an unknown kind', text: lines('contract: 1', 'checks:', '  - id: gh', '    kind: shell'), line: 4, column: 11, field: 'checks[0].kind', says: 'must be command, version, file or config, not "shell"' },
    { name: 'a missing field', text: lines('contract: 1', 'checks:', '  - id: v', '    kind: version'), line: 3, column: 5, field: 'checks[0].tool', says: 'is required' },
    { name: 'a check that is not a mapping', text: lines('contract: 1', 'checks:', '  - gh'), line: 3, column: 5, field: 'checks[0]', says: 'must be a mapping, not "gh"' },
    // values
    { name: 'a bad id', text: lines('contract: 1', 'checks:', '  - {id: Node, kind: version, tool: node}'), line: 3, column: 10, field: 'checks[0].id', says: '"Node" is not an id' },
    { name: 'a multi-line label', text: lines('contract: 1', 'checks:', '  - {id: a, kind: command, run: x, label: "two\\nlines"}'), line: 3, column: 43, field: 'checks[0].label', says: 'one line without control characters' },
    { name: 'an empty label', text: lines('contract: 1', 'checks:', '  - {id: a, kind: command, run: x, label: " "}'), line: 3, column: 43, field: 'checks[0].label', says: 'must not be empty' },
    { name: 'a bad severity', text: lines('contract: 1', 'checks:', '  - {id: a, kind: command, run: x, severity: fatal}'), line: 3, column: 46, field: 'checks[0].severity', says: 'must be hard or soft, not "fatal"' },
    { name: 'a shell snippet as tool', text: lines('contract: 1', 'checks:', '  - {id: a, kind: version, tool: "node; rm -rf /"}'), line: 3, column: 34, field: 'checks[0].tool', says: 'is not a command name' },
    { name: 'an empty run', text: lines('contract: 1', 'checks:', '  - {id: a, kind: command, run: ""}'), line: 3, column: 33, field: 'checks[0].run', says: 'must not be empty' },
    { name: 'a NUL in run', text: lines('contract: 1', 'checks:', '  - {id: a, kind: command, run: "x\\0"}'), line: 3, column: 33, field: 'checks[0].run', says: 'NUL' },
    { name: 'an exit code out of range', text: lines('contract: 1', 'checks:', '  - {id: a, kind: command, run: x, exitCode: 256}'), line: 3, column: 46, field: 'checks[0].exitCode', says: 'from 0 to 255' },
    {
      name: 'a regex that does not compile',
      text: lines('contract: 1', 'checks:', '  - id: a', '    kind: command', '    run: x', "    expectOutput: ['^ok$', '(']"),
      line: 6,
      column: 28,
      field: 'checks[0].expectOutput[1]',
      says: '"(" is not a JavaScript regular expression',
    },
    { name: 'a pattern without a group', text: lines('contract: 1', 'checks:', "  - {id: a, kind: version, tool: node, pattern: 'v\\d+'}"), line: 3, column: 49, field: 'checks[0].pattern', says: 'needs a capture group' },
    { name: 'a bad range', text: lines('contract: 1', 'checks:', '  - {id: a, kind: version, tool: node, range: twenty}'), line: 3, column: 47, field: 'checks[0].range', says: '"twenty" is not a semver range' },
    { name: 'a relative path', text: lines('contract: 1', 'checks:', '  - {id: a, kind: file, path: workspace}'), line: 3, column: 31, field: 'checks[0].path', says: 'must be an absolute path' },
    { name: 'an unquoted mode', text: lines('contract: 1', 'checks:', '  - {id: a, kind: file, path: /w, mode: 0755}'), line: 3, column: 41, field: 'checks[0].mode', says: 'must be quoted ("0755")' },
    { name: 'a mode that is not octal', text: lines('contract: 1', 'checks:', '  - {id: a, kind: file, path: /w, mode: "0789"}'), line: 3, column: 41, field: 'checks[0].mode', says: '"0789" is not 3 or 4 octal digits' },
    { name: 'a bad file type', text: lines('contract: 1', 'checks:', '  - {id: a, kind: file, path: /w, type: dir}'), line: 3, column: 41, field: 'checks[0].type', says: 'must be file, directory or any, not "dir"' },
    { name: 'a config check expecting nothing', text: lines('contract: 1', 'checks:', '  - id: image', '    kind: config'), line: 3, column: 5, field: 'checks[0]', says: 'expects nothing' },
    { name: 'a user both ways', text: lines('contract: 1', 'checks:', '  - {id: c, kind: config, user: {notRoot: true, is: root}}'), line: 3, column: 33, field: 'checks[0].user', says: 'either { notRoot: true } or { is: <user> }' },
    { name: 'an unquoted number in env', text: lines('contract: 1', 'checks:', '  - {id: c, kind: config, env: {NODE_MAJOR: 20}}'), line: 3, column: 45, field: 'checks[0].env.NODE_MAJOR', says: 'must be text or null' },
    {
      name: 'a label key with a dot',
      text: lines('contract: 1', 'checks:', '  - id: c', '    kind: config', '    labels:', '      org.opencontainers.image.source: 7'),
      line: 6,
      column: 40,
      field: 'checks[0].labels["org.opencontainers.image.source"]',
      says: 'must be text or null',
    },
    { name: 'a size unit in the wrong case', text: lines('contract: 1', 'checks:', '  - {id: c, kind: config, maxSize: 2gib}'), line: 3, column: 36, field: 'checks[0].maxSize', says: '"gib" is not a size unit (did you mean "GiB"?)' },
    { name: 'a size that is not one', text: lines('contract: 1', 'checks:', '  - {id: c, kind: config, maxSize: true}'), line: 3, column: 36, field: 'checks[0].maxSize', says: 'must be a number of bytes or a size like "2GiB"' },
    // across fields
    { name: 'extends of something else', text: lines('contract: 1', 'extends: base'), line: 2, column: 10, field: 'extends', says: 'must be worker, not "base"' },
    { name: 'drop without extends', text: lines('contract: 1', 'drop: [node]', 'checks:', '  - {id: a, kind: command, run: x}'), line: 2, column: 7, field: 'drop', says: 'nothing to drop from without `extends: worker`' },
    { name: 'a duplicate drop', text: lines('contract: 1', 'extends: worker', 'drop: [node, node]'), line: 3, column: 14, field: 'drop[1]', says: '"node" is listed twice (also drop[0])' },
    {
      name: 'a duplicate id',
      text: lines('contract: 1', 'checks:', '  - {id: a, kind: command, run: x}', '  - {id: a, kind: command, run: y}'),
      line: 4,
      column: 10,
      field: 'checks[1].id',
      says: '"a" is used twice (also checks[0])',
    },
    { name: 'a dropped id redefined', text: lines('contract: 1', 'extends: worker', 'drop: [node]', 'checks:', '  - {id: node, kind: command, run: x}'), line: 5, column: 10, field: 'checks[0].id', says: '"node" is also dropped (drop[0])' },
    { name: 'no checks at all', text: lines('contract: 1', 'name: empty'), line: 1, column: 1, field: 'checks', says: 'has no checks' },
    // found while resolving, located through the positions the parser kept
    { name: 'a drop of an unknown id', text: lines('contract: 1', 'extends: worker', 'drop:', '  - python', '  - nodejs'), line: 5, column: 5, field: 'drop[1]', says: '"nodejs" is not a check of the worker contract' },
    {
      name: 'a drop of everything',
      text: lines('contract: 1', 'extends: worker', 'drop: [cascade-tools, node, git, engine-cli, python, playwright]'),
      line: 3,
      column: 7,
      field: 'drop',
      says: 'leaves no checks',
    },
    // JSON is YAML
    { name: 'JSON', text: lines('{', '  "contract": 1,', '  "checks": [', '    {"id": "a", "kind": "version", "tool": "node", "range": "abc"}', '  ]', '}'), line: 4, column: 61, field: 'checks[0].range', says: '"abc" is not a semver range' },
    // limits
    { name: 'deep nesting', text: lines('contract: 1', `checks: ${'['.repeat(40)}${']'.repeat(40)}`), line: 2, column: 41, field: '(file)', says: 'nests deeper than 32 levels' },
    {
      name: 'an alias bomb',
      text: lines('a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'contract: 1'),
      line: 1,
      column: 1,
      field: '(file)',
      says: 'YAML aliases that expand too far',
    },
  ];

  it.each(cases)('$name', ({ text, line, column, field, says }) => {
    const error = failure(text);
    expect({ file: error.file, line: error.line, column: error.column, field: error.field }).toEqual({ file: 'team.yaml', line, column, field });
    expect(error.issues[0]?.message).toContain(says);
    expect(error.message.split('\n')[0]).toBe(`team.yaml:${line}:${column}: ${field}: ${error.issues[0]?.message}`);
  });

  it('is a usage error (exit 2) with a stable code and a hint', () => {
    const error = failure(lines('contract: 1', 'checks: []'));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.code).toBe('CONTRACT_INVALID');
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(error.hint).toContain('contract: 1');
    expect(failure(lines('contract: 3')).hint).toBe('the file is for a newer cascade-image');
  });

  it('refuses a file over 1 MiB before parsing it', () => {
    const error = failure(`contract: 1\n#${'x'.repeat(MAX_FILE_BYTES)}\n`);
    expect([error.line, error.column, error.field]).toEqual([1, 1, '(file)']);
    expect(error.message).toMatch(/^team\.yaml:1:1: \(file\): is \d+ bytes; a contract file may be at most 1 MiB$/);
  });

  it('survives nesting that would overflow the YAML composer, and parses normally afterwards', () => {
    const deep = `contract: 1\nchecks: ${'['.repeat(5_000)}${']'.repeat(5_000)}\n`;
    expect(failure(deep).issues[0]?.message).toContain('nests deeper');
    expect(failure(deep).issues[0]?.message).toContain('nests deeper');
    expect(loadContract('contract: 1\nextends: worker\n', 'w.yaml', WORKER_CONTRACT).checks).toHaveLength(6);
  });

  it('lists every problem in file order, up to five, and counts the rest', () => {
    const error = failure(
      lines(
        'contract: 1',
        'softFailures: maybe',
        'checks:',
        '  - {id: a, kind: file, path: rel, type: dir, severity: fatal}',
        '  - {id: b, kind: command, run: "", exitCode: -1}',
        '  - {id: c, kind: version, tool: node, range: twenty}',
      ),
    );
    expect(error.issues.map((issue) => `${issue.line}:${issue.column} ${issue.field}`)).toEqual([
      '2:15 softFailures',
      '4:31 checks[0].path',
      '4:42 checks[0].type',
      '4:57 checks[0].severity',
      '5:33 checks[1].run',
      '5:47 checks[1].exitCode',
      '6:47 checks[2].range',
    ]);
    const shown = error.message.split('\n');
    expect(shown).toHaveLength(6);
    expect(shown[0]).toBe('team.yaml:2:15: softFailures: must be fail or warn, not "maybe"');
    expect(shown[5]).toBe('(and 2 more)');
  });

  it('reports a problem with each unknown key, at the key', () => {
    const error = failure(lines('contract: 1', 'checks:', '  - id: a', '    kind: command', '    run: x', '    exitcode: 1', '    zzz: 2'));
    expect(error.issues.map(({ line, column, field, message }) => ({ line, column, field, message }))).toEqual([
      { line: 6, column: 5, field: 'checks[0].exitcode', message: 'unknown key "exitcode" (did you mean "exitCode"?)' },
      { line: 7, column: 5, field: 'checks[0].zzz', message: 'unknown key "zzz" (known keys: id, label, severity, kind, run, exitCode, expectOutput, rejectOutput)' },
    ]);
  });
});

describe('parseContractFile', () => {
  it('names the contract after the file when the file does not', () => {
    expect(parseContractFile('contract: 1\nextends: worker\n', 'contracts/payments-worker.yaml').name).toBe('payments-worker');
    expect(parseContractFile('contract: 1\nextends: worker\n', 'team.contract.json').name).toBe('team.contract');
    expect(parseContractFile('contract: 1\nextends: worker\nname: Payments\n', 'x.yaml').name).toBe('Payments');
  });

  it('normalizes notation only: mode to four digits, sizes to bytes, numeric uids to text', () => {
    const file = parseContractFile(
      lines(
        'contract: 1',
        'checks:',
        '  - {id: w, kind: file, path: /w, mode: "755", owner: 1000}',
        '  - {id: c, kind: config, user: {is: 1000}, maxSize: 1.5 GB}',
        '  - {id: d, kind: config, maxSize: 1024}',
      ),
      'x.yaml',
    );
    expect(file.checks).toEqual([
      { id: 'w', kind: 'file', path: '/w', mode: '0755', owner: '1000' },
      { id: 'c', kind: 'config', user: { is: '1000' }, maxSize: 1_500_000_000 },
      { id: 'd', kind: 'config', maxSize: 1024 },
    ]);
    expect(file).toMatchObject({ contract: 1, drop: [] });
    expect(file).not.toHaveProperty('extends');
    expect(file).not.toHaveProperty('softFailures');
  });

  it('keeps where each field is, for errors found later', () => {
    const file = parseContractFile(lines('contract: 1', 'extends: worker', 'drop:', '  - python'), 'x.yaml');
    expect(file.origin?.file).toBe('x.yaml');
    expect(file.origin?.positions['drop[0]']).toEqual({ line: 4, column: 5 });
  });

  it('reads CRLF line ends and a byte-order mark, and counts lines the same', () => {
    expect(parseContractFile('\uFEFFcontract: 1\r\nextends: worker\r\n', 'x.yaml').extends).toBe('worker');
    const error = failure('contract: 1\r\nchecks:\r\n  - {id: a, kind: version, tool: node, range: twenty}\r\n');
    expect([error.line, error.column, error.field]).toEqual([3, 47, 'checks[0].range']);
  });

  it('allows aliases that stay small', () => {
    const text = lines('contract: 1', 'checks:', '  - {id: a, kind: config, env: &env {LANG: C.UTF-8}}', '  - {id: b, kind: config, env: *env}');
    const contract = loadContract(text, 'x.yaml', WORKER_CONTRACT);
    expect(contract.checks.map((check) => check.kind === 'config' && check.expect.env)).toEqual([{ LANG: 'C.UTF-8' }, { LANG: 'C.UTF-8' }]);
  });
});
