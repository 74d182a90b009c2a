import { describe, expect, it } from 'vitest';
import { describeInventoryChanges, diffInventories, inventoryOf } from '../../src/checks/inventory.js';
import { judgeChecks } from '../../src/checks/judge.js';
import type { Observation } from '../../src/checks/observation.js';
import { WORKER_CONTRACT } from '../../src/checks/worker-contract.js';
import type { Inventory, InventoryEntry, VersionCheck } from '../../src/domain/index.js';
import { IMPORTED_CONFIG } from '../support/fake-docker.js';

const entry = (tool: string, version: string | null, path: string | null = version === null ? null : `/usr/bin/${tool}`): InventoryEntry => ({ check: tool, tool, version, path });

describe('inventoryOf', () => {
  it('has one entry per version check, passed or not, and nothing for other kinds', () => {
    const observations = new Map<string, Observation>([
      ['cascade-tools', { exitCode: 0, output: 'cascade-tools 0.1.0 (fixture)', path: '/usr/local/bin/cascade-tools' }],
      ['node', { exitCode: 0, output: 'v20.11.1', path: '/usr/local/bin/node' }],
      ['git', { exitCode: 127, output: 'bash: git: command not found', path: null }],
      ['engine-cli', { exitCode: 0, output: '/usr/local/bin/claude' }],
    ]);
    const results = judgeChecks(WORKER_CONTRACT.checks, observations, IMPORTED_CONFIG);
    expect(inventoryOf(results, WORKER_CONTRACT.checks)).toEqual([
      { check: 'cascade-tools', tool: 'cascade-tools', version: '0.1.0', path: '/usr/local/bin/cascade-tools' },
      { check: 'node', tool: 'node', version: 'v20.11.1', path: '/usr/local/bin/node' },
      { check: 'git', tool: 'git', version: null, path: null },
      // Never observed: nothing known about it.
      { check: 'python', tool: 'python', version: null, path: null },
    ]);
  });

  it("takes the tool from the contract's check, falling back to the check id", () => {
    const check: VersionCheck = { id: 'runtime', label: 'runtime', severity: 'hard', kind: 'version', tool: 'node', run: 'node --version', pattern: null, range: null };
    const results = judgeChecks([check], new Map([['runtime', { exitCode: 0, output: 'v22.3.0', path: '/usr/bin/node' }]]), null);
    expect(inventoryOf(results, [check])).toEqual([{ check: 'runtime', tool: 'node', version: 'v22.3.0', path: '/usr/bin/node' }]);
    expect(inventoryOf(results)).toEqual([{ check: 'runtime', tool: 'runtime', version: 'v22.3.0', path: '/usr/bin/node' }]);
  });
});

describe('diffInventories', () => {
  const before: Inventory = [entry('node', 'v20.11.1'), entry('git', '2.39.2'), entry('python', '3.11.2'), entry('gh', null)];
  const after: Inventory = [entry('gh', 'v2.4.0'), entry('node', 'v22.3.0'), entry('git', '2.39.2'), entry('python', null), entry('jq', '1.7.1')];

  it('names what changed, was removed and was added, in a stable order', () => {
    const changes = diffInventories(before, after);
    expect(changes).toEqual([
      { tool: 'node', change: 'changed', from: entry('node', 'v20.11.1'), to: entry('node', 'v22.3.0') },
      { tool: 'python', change: 'removed', from: entry('python', '3.11.2') },
      { tool: 'gh', change: 'added', to: entry('gh', 'v2.4.0') },
      { tool: 'jq', change: 'added', to: entry('jq', '1.7.1') },
    ]);
    expect(describeInventoryChanges(changes)).toBe('node v20.11.1 → v22.3.0, python removed, gh added (v2.4.0), jq added (1.7.1)');
  });

  it('finds nothing between equal inventories, whatever their order', () => {
    expect(diffInventories(before, [...before].reverse())).toEqual([]);
    expect(describeInventoryChanges([])).toBe('');
  });

  it('sees a tool moved on PATH, and one that lost its readable version', () => {
    const changes = diffInventories([entry('node', 'v20.11.1'), entry('git', '2.39.2')], [entry('node', 'v20.11.1', '/opt/node/bin/node'), entry('git', null, '/usr/bin/git')]);
    expect(changes.map((c) => c.change)).toEqual(['changed', 'changed']);
    expect(describeInventoryChanges(changes)).toBe('node /usr/bin/node → /opt/node/bin/node, git 2.39.2 → no version');
  });

  it('counts a tool once, by its first entry', () => {
    const changes = diffInventories([entry('node', 'v20.0.0'), { ...entry('node', 'v18.0.0'), check: 'node-again' }], [entry('node', 'v20.0.0')]);
    expect(changes).toEqual([]);
  });

  it('describes an added tool with no readable version by where it is', () => {
    expect(describeInventoryChanges(diffInventories([], [entry('gh', null, '/usr/bin/gh')]))).toBe('gh added (at /usr/bin/gh)');
  });

  it('keeps odd tool names and versions on one line', () => {
    const changes = diffInventories([], [entry('to\nol', 'v1\u001b[31m.2')]);
    expect(describeInventoryChanges(changes)).toBe('to ol added (v1.2)');
  });
});
