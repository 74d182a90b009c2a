import { describe, expect, it } from 'vitest';
import { contractHash } from '../../../src/checks/contract-hash.js';
import { WORKER_CONTRACT } from '../../../src/checks/worker-contract.js';
import type { Check, CheckContract } from '../../../src/domain/index.js';
import { ContractFileError } from '../../../src/errors.js';
import { loadContract, resolveContract, type ContractFile } from '../../../src/formats/contract-file/index.js';

const load = (text: string, fileName = 'team.yaml') => loadContract(text, fileName, WORKER_CONTRACT);
const lines = (...rows: string[]) => `${rows.join('\n')}\n`;
const only = (text: string): Check => {
  const [check, ...rest] = load(`contract: 1\nchecks:\n${text}`).checks;
  if (check === undefined || rest.length > 0) throw new Error('expected one check');
  return check;
};

describe('defaults', () => {
  it('fills every field of a version check', () => {
    expect(only('  - {id: node, kind: version, tool: node}')).toEqual({
      id: 'node',
      label: 'node --version',
      severity: 'hard',
      kind: 'version',
      tool: 'node',
      run: 'node --version',
      pattern: null,
      range: null,
    });
  });

  it('labels a version check by its command when the run is not the default', () => {
    expect(only("  - {id: node, kind: version, tool: node, run: 'node -p process.version'}").label).toBe('node version');
    expect(only("  - {id: node, kind: version, tool: node, run: 'node --version'}").label).toBe('node --version');
  });

  it('fills every field of a command check, labelled by a short run', () => {
    expect(only('  - {id: gh, kind: command, run: gh auth status}')).toEqual({
      id: 'gh',
      label: 'gh auth status',
      severity: 'hard',
      kind: 'command',
      run: 'gh auth status',
      exitCode: 0,
      expectOutput: [],
      rejectOutput: [],
    });
  });

  it('labels a command check by its id when the run is long or spans lines', () => {
    expect(only(`  - {id: long, kind: command, run: '${'x'.repeat(61)}'}`).label).toBe('long');
    expect(only(`  - {id: sixty, kind: command, run: '${'x'.repeat(60)}'}`).label).toBe('x'.repeat(60));
    expect(only(lines('  - id: script', '    kind: command', '    run: |', '      set -e', '      make check')).label).toBe('script');
  });

  it('fills every field of a file check', () => {
    expect(only('  - {id: ws, kind: file, path: /workspace}')).toEqual({
      id: 'ws',
      label: 'file /workspace',
      severity: 'hard',
      kind: 'file',
      path: '/workspace',
      type: 'any',
      executable: null,
      mode: null,
      owner: null,
    });
  });

  it('keeps only the stated expectations of a config check', () => {
    expect(only('  - {id: image, kind: config, os: linux, pathIncludes: [/usr/local/bin]}')).toEqual({
      id: 'image',
      label: 'image config (image)',
      severity: 'hard',
      kind: 'config',
      expect: { os: 'linux', path: ['/usr/local/bin'] },
    });
  });

  it('names the contract after the file, and fails on soft failures unless told otherwise', () => {
    const contract = load('contract: 1\nchecks: [{id: a, kind: command, run: x}]\n', 'contracts/payments.yml');
    expect([contract.name, contract.softFailures]).toEqual(['payments', 'fail']);
  });
});

describe('extends, overrides and drop', () => {
  const ids = (contract: CheckContract) => contract.checks.map((check) => check.id);

  it('extends: worker alone is the worker contract under the file name', () => {
    expect(load('contract: 1\nextends: worker\nname: worker\n')).toEqual(WORKER_CONTRACT);
    expect(load('contract: 1\nextends: worker\n', 'x.yaml').name).toBe('x');
  });

  it('replaces an extended check in place and appends new ones in file order', () => {
    const contract = load(
      lines('contract: 1', 'extends: worker', 'checks:', '  - {id: zz, kind: command, run: z}', "  - {id: node, kind: version, tool: node, range: '>=20 <23'}", '  - {id: aa, kind: command, run: a}'),
    );
    expect(ids(contract)).toEqual(['cascade-tools', 'node', 'git', 'engine-cli', 'python', 'playwright', 'zz', 'aa']);
    expect(contract.checks[1]).toMatchObject({ id: 'node', range: '>=20 <23', label: 'node --version', severity: 'hard' });
  });

  it('replaces the whole check, not field by field, and may change its kind', () => {
    const contract = load(lines('contract: 1', 'extends: worker', 'checks:', '  - {id: python, kind: file, path: /usr/bin/python3}'));
    // The worker's python check is soft; its replacement takes the defaults, so it is hard.
    expect(contract.checks[4]).toEqual({ id: 'python', label: 'file /usr/bin/python3', severity: 'hard', kind: 'file', path: '/usr/bin/python3', type: 'any', executable: null, mode: null, owner: null });
  });

  it('drops extended checks', () => {
    expect(ids(load('contract: 1\nextends: worker\ndrop: [playwright, python]\n'))).toEqual(['cascade-tools', 'node', 'git', 'engine-cli']);
  });

  it("takes the extended contract's soft-failure policy unless the file sets one", () => {
    const lenient: CheckContract = { ...WORKER_CONTRACT, softFailures: 'warn' };
    expect(loadContract('contract: 1\nextends: worker\n', 'x.yaml', lenient).softFailures).toBe('warn');
    expect(loadContract('contract: 1\nextends: worker\nsoftFailures: fail\n', 'x.yaml', lenient).softFailures).toBe('fail');
  });

  it('gives a file built in code the same checks the parser would (without lines to point at)', () => {
    const file: ContractFile = { contract: 1, name: 'x', extends: 'worker', drop: ['nope'], checks: [] };
    const error = (() => {
      try {
        return resolveContract(file, WORKER_CONTRACT);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ContractFileError);
    expect((error as ContractFileError).message).toBe('x:1:1: drop[0]: "nope" is not a check of the worker contract (its checks: cascade-tools, node, git, engine-cli, python, playwright)');
  });

  it('freezes the result and leaves the built-in alone', () => {
    const builtin = structuredClone(WORKER_CONTRACT) as CheckContract;
    const contract = loadContract('contract: 1\nextends: worker\n', 'x.yaml', builtin);
    expect(Object.isFrozen(contract.checks[0])).toBe(true);
    expect(Object.isFrozen(builtin.checks[0])).toBe(false);
  });
});

describe('the hash of a resolved contract', () => {
  it('is the same for files that mean the same contract, however they spell it', () => {
    const terse = lines('contract: 1', 'name: team', 'checks:', '  - {id: ws, kind: file, path: /w, mode: "755", owner: 1000}', '  - {id: image, kind: config, maxSize: 2GiB, user: {is: 1000}}');
    const explicit = JSON.stringify({
      contract: 1,
      name: 'team',
      softFailures: 'fail',
      checks: [
        { id: 'ws', kind: 'file', path: '/w', type: 'any', mode: '0755', owner: '1000', severity: 'hard', label: 'file /w' },
        { kind: 'config', id: 'image', maxSize: 2 * 1024 ** 3, user: { is: '1000' }, label: 'image config (image)', severity: 'hard' },
      ],
    });
    expect(contractHash(load(terse))).toBe(contractHash(load(explicit, 'other.json')));
  });

  it('is the same for extending the worker and for spelling the worker out', () => {
    const extended = load('contract: 1\nname: worker\nextends: worker\n');
    expect(contractHash(extended)).toBe(contractHash(WORKER_CONTRACT));
  });

  it('differs when the meaning does', () => {
    expect(contractHash(load('contract: 1\nextends: worker\ndrop: [python]\n'))).not.toBe(contractHash(load('contract: 1\nextends: worker\n')));
  });
});
