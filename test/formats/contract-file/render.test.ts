import { describe, expect, it } from 'vitest';
import { contractHash } from '../../../src/checks/contract-hash.js';
import { WORKER_CONTRACT } from '../../../src/checks/worker-contract.js';
import type { CheckContract } from '../../../src/domain/index.js';
import { contractToFile, loadContract, parseContractFile, renderContractFile, resolveContract } from '../../../src/formats/contract-file/index.js';

/** Every kind, every field, and strings YAML would misread if they were written plain. */
const EVERYTHING: CheckContract = {
  name: 'everything: all',
  softFailures: 'warn',
  checks: [
    {
      id: 'script',
      label: '#1 yes',
      severity: 'soft',
      kind: 'command',
      run: 'set -e\nprintf "%s\\n" \'a b\'  \nexit 3\n',
      exitCode: 3,
      expectOutput: ['^a b$', '\\d+: [x]'],
      rejectOutput: ["it's bad", '- no'],
    },
    { id: 'node', label: '@node', severity: 'hard', kind: 'version', tool: 'node', run: "node -p 'process.version'", pattern: 'v(\\d+\\.\\d+\\.\\d+)', range: '>=20 <23 || ^24' },
    { id: 'bin.tool', label: 'true', severity: 'hard', kind: 'file', path: '/usr/local/bin/tool', type: 'file', executable: false, mode: '0755', owner: '1000' },
    { id: 'ws', label: 'file /workspace', severity: 'soft', kind: 'file', path: '/workspace', type: 'directory', executable: true, mode: '2775', owner: 'agent' },
    {
      id: 'image-1',
      label: 'null',
      severity: 'hard',
      kind: 'config',
      expect: {
        user: { is: '1000:1000' },
        entrypoint: [],
        cmd: ['bash', '-lc', 'echo "hi"'],
        env: { LANG: 'C.UTF-8', HOME: null, EMPTY: '', LITERAL_NULL: 'null', NUMBER: '1.10' },
        path: ['/usr/local/bin', '/opt/x y/bin'],
        labels: { 'org.opencontainers.image.source': null, 'com.example.team': 'payments' },
        maxSizeBytes: 1500,
        os: 'linux',
        architecture: 'arm64',
      },
    },
    { id: 'image-2', label: 'image config (image-2)', severity: 'hard', kind: 'config', expect: { user: { notRoot: true }, maxSizeBytes: 2 * 1024 ** 3 } },
  ],
};

const EXAMPLE = `contract: 1
name: payments-worker
extends: worker
softFailures: warn
drop: [playwright]
checks:
  - id: node
    kind: version
    tool: node
    range: ">=20 <23"
  - id: gh
    kind: command
    run: gh --version
    expectOutput: ['^gh version 2\\.']
    rejectOutput: ['deprecated']
    severity: soft
    label: gh CLI
  - id: workspace
    kind: file
    path: /workspace
    type: directory
    mode: "0755"
    owner: agent
  - id: image
    kind: config
    user: { notRoot: true }
    entrypoint: []
    env: { LANG: C.UTF-8, HOME: null }
    pathIncludes: [/usr/local/bin]
    maxSize: 2GiB
    os: linux
`;

const roundTrip = (contract: CheckContract) => loadContract(renderContractFile(contractToFile(contract)), 'rendered.yaml', WORKER_CONTRACT);

describe('renderContractFile and contractToFile', () => {
  it('round-trips the built-in worker contract', () => {
    expect(roundTrip(WORKER_CONTRACT)).toEqual(WORKER_CONTRACT);
    expect(contractHash(roundTrip(WORKER_CONTRACT))).toBe(contractHash(WORKER_CONTRACT));
  });

  it('round-trips a contract with every kind and field, strings that need quoting included', () => {
    expect(roundTrip(EVERYTHING)).toEqual(EVERYTHING);
  });

  it('writes a file with extends and drop so that it loads as the same contract', () => {
    const file = parseContractFile(EXAMPLE, 'payments.yaml');
    expect(loadContract(renderContractFile(file), 'elsewhere.yaml', WORKER_CONTRACT)).toEqual(resolveContract(file, WORKER_CONTRACT));
  });

  it('writes the documented style: fixed key order, short lists and maps inline, a blank line between checks', () => {
    expect(renderContractFile(parseContractFile(EXAMPLE, 'payments.yaml'), { comment: 'Payments team worker.\n\nOwned by #payments.' })).toBe(`# Payments team worker.
#
# Owned by #payments.

contract: 1
name: payments-worker
extends: worker
softFailures: warn
drop: [playwright]
checks:
  - id: node
    kind: version
    tool: node
    range: '>=20 <23'

  - id: gh
    kind: command
    run: gh --version
    expectOutput: [^gh version 2\\.]
    rejectOutput: [deprecated]
    severity: soft
    label: gh CLI

  - id: workspace
    kind: file
    path: /workspace
    type: directory
    mode: '0755'
    owner: agent

  - id: image
    kind: config
    user: {notRoot: true}
    entrypoint: []
    env: {LANG: C.UTF-8, HOME: null}
    pathIncludes: [/usr/local/bin]
    maxSize: 2GiB
    os: linux
`);
  });

  it('spells out every default in the explicit file, and no extends', () => {
    const text = renderContractFile(contractToFile(loadContract('contract: 1\nchecks: [{id: a, kind: command, run: x}]\n', 'a.yaml', WORKER_CONTRACT)));
    expect(text).toBe(`contract: 1
name: a
softFailures: fail
checks:
  - id: a
    kind: command
    run: x
    exitCode: 0
    expectOutput: []
    rejectOutput: []
    severity: hard
    label: x
`);
  });

  it('is stable: rendering what it rendered gives the same text', () => {
    const once = renderContractFile(contractToFile(EVERYTHING));
    expect(renderContractFile(parseContractFile(once, 'x.yaml'))).toBe(once);
  });

  it('writes long lists as blocks, and never folds a long line', () => {
    const run = `echo ${'word '.repeat(30)}`.trim();
    const text = renderContractFile({ contract: 1, name: 'x', drop: [], checks: [{ id: 'a', kind: 'command', run, expectOutput: ['a'.repeat(40), 'b'.repeat(40)] }] });
    expect(text).toContain(`    run: ${run}\n`);
    expect(text).toContain(`    expectOutput:\n      - ${'a'.repeat(40)}\n      - ${'b'.repeat(40)}\n`);
  });
});
