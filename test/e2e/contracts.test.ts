// Check contracts end to end: the BUILT binary, the real engine, the shared loopback registry and the
// offline fixture images. Contract files are written by the tests; every verdict is read back
// through the commands people use (set, show, list, resolve, --json, --junit) and the store.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, inject, it } from 'vitest';
import { explain, jsonLines, leftoverContainers, MANAGED_LABEL, tempCli, type Cli, type CliResult } from './support/cli.js';
import { pushImage } from './support/registry.js';

const e2e = inject('e2e');
const pinned = (variant: keyof typeof e2e.digests) => `${e2e.registry}/acme/worker@${e2e.digests[variant]}`;
const RUN = randomBytes(3).toString('hex');

/** Writes a contract file into the sandbox and returns its path. */
function contractFile(cli: Cli, name: string, text: string): string {
  const file = path.join(cli.dir, name);
  writeFileSync(file, text);
  return file;
}

async function expectNoLeftovers(cli: Cli): Promise<void> {
  expect(await leftoverContainers(cli.store())).toEqual([]);
}

/** How many containers of ours the engine created while `action` ran (e2e files run one at a time). */
async function containersCreatedDuring(action: () => Promise<CliResult>): Promise<{ result: CliResult; created: number }> {
  const since = ((Date.now() - 50) / 1000).toFixed(3);
  const result = await action();
  const until = ((Date.now() + 100) / 1000).toFixed(3);
  const events = await execa('docker', ['events', '--since', since, '--until', until, '--filter', 'type=container', '--filter', 'event=create', '--filter', `label=${MANAGED_LABEL}=true`, '--format', '{{.ID}}'], { reject: false });
  return { result, created: events.stdout.trim() === '' ? 0 : events.stdout.trim().split('\n').length };
}

const NODE_RANGE = `contract: 1
name: node-range
extends: worker
checks:
  - id: node
    kind: version
    tool: node
    range: ">=20 <23"
`;

const NON_ROOT = `contract: 1
name: non-root
extends: worker
checks:
  - id: unprivileged
    kind: config
    user: { notRoot: true }
    env: { LANG: C.UTF-8 }
    pathIncludes: [/usr/local/bin]
  - id: workspace
    kind: file
    path: /workspace
    type: directory
    owner: agent
    mode: "0750"
`;

const OUTPUT = `contract: 1
name: output
extends: worker
checks:
  - id: git-2-40
    kind: command
    run: git --version
    expectOutput: ['^git version 2\\.(4\\d|[5-9]\\d)']
`;

const WARN = `contract: 1
name: lenient
extends: worker
softFailures: warn
`;

describe.skipIf(!e2e.engine)('check contracts end to end (real engine, real registry)', () => {
  it('a version range: node v18.19.0 fails ">=20 <23", saying what was found and what is needed, in show, --json and the JUnit report', async () => {
    const cli = await tempCli();
    const file = contractFile(cli, 'node-range.yaml', NODE_RANGE);
    expect((await cli.run(['create', 'acme'])).exitCode).toBe(0);
    const set = await cli.run(['contract', 'set', 'acme', file]);
    expect(set.exitCode, explain(set)).toBe(0);
    expect(set.lines).toEqual([expect.stringMatching(/^acme {2}contract set: node-range \(its own\) sha256 [0-9a-f]{12}… {2}\(was worker \(built-in\) sha256 [0-9a-f]{12}…\)$/)]);
    expect(set.stderr).toContain('acme has no image of its own: nothing to re-validate now');

    const r = await cli.run(['set', 'acme', e2e.images['node-old'], '--json']);
    expect(r.exitCode, explain(r)).toBe(1);
    const reason = 'hard checks failed: node --version (found v18.19.0, need >=20 <23)';
    expect(jsonLines(r).find((event) => event.event === 'failed')).toMatchObject({ workerImageError: reason, cause: 'checks-failed' });
    expect(cli.store().project('acme')).toMatchObject({ status: 'failed', digest: null, error: reason });
    const show = await cli.run(['show', 'acme']);
    expect(show.lines[0]).toBe(`acme  failed: ${reason}`);
    expect(show.lines).toContainEqual(expect.stringMatching(/^ {2}contract {3}node-range \(its own\), sha256 [0-9a-f]{12}…$/));

    const junit = path.join(cli.dir, 'report.xml');
    const validate = await cli.run(['validate', 'acme', '--junit', junit]);
    expect(validate.exitCode, explain(validate)).toBe(1);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('<failure message="found v18.19.0, need &gt;=20 &lt;23" type="hard">FAIL: node --version check failed');

    // The same contract passes an image whose node is in range.
    const good = await cli.run(['set', 'acme', e2e.images.good]);
    expect(good.exitCode, explain(good)).toBe(0);
    await expectNoLeftovers(cli);
  });

  it('image config and file checks: a root image without the workspace fails both, saying what it found; a non-root image with its workspace passes', async () => {
    const cli = await tempCli();
    const file = contractFile(cli, 'non-root.yaml', NON_ROOT);
    expect((await cli.run(['set', 'acme', e2e.images.good, '--create'])).exitCode).toBe(0);
    const set = await cli.run(['contract', 'set', 'acme', file]);
    expect(set.exitCode, explain(set)).toBe(1);
    const error = cli.store().project('acme')?.error ?? '';
    expect(error).toMatch(/^hard checks failed: /);
    expect(error).toContain('image config (unprivileged) (runs as root (User is empty); LANG not set)');
    expect(error).toContain('file /workspace (not found)');
    expect(cli.store().project('acme')).toMatchObject({ status: 'failed', digest: null });

    const nonRoot = await cli.run(['set', 'acme', e2e.images['non-root']]);
    expect(nonRoot.exitCode, explain(nonRoot)).toBe(0);
    expect(cli.store().project('acme')).toMatchObject({ status: 'verified', digest: pinned('non-root') });
    await expectNoLeftovers(cli);
  });

  it('output that does not match: a command check with an expected pattern fails with what it got', async () => {
    const cli = await tempCli();
    const file = contractFile(cli, 'output.yaml', OUTPUT);
    expect((await cli.run(['set', 'acme', e2e.images.good, '--create'])).exitCode).toBe(0);
    const set = await cli.run(['contract', 'set', 'acme', file]);
    expect(set.exitCode, explain(set)).toBe(1);
    expect(cli.store().project('acme')?.error).toBe('hard checks failed: git --version (output does not match /^git version 2\\.(4\\d|[5-9]\\d)/ (got: "git version 2.39.2"))');
    await expectNoLeftovers(cli);
  });

  it('soft-only failure: failed by default; verified with warnings under a warn contract, the warnings stored and shown by show, list, resolve and --json', async () => {
    const cli = await tempCli();
    const failed = await cli.run(['set', 'acme', e2e.images['no-python'], '--create']);
    expect(failed.exitCode, explain(failed)).toBe(1);
    expect(failed.lines.at(-1)).toBe('acme  failed: soft checks failed: python --version (not on PATH)');

    const file = contractFile(cli, 'lenient.yaml', WARN);
    const set = await cli.run(['contract', 'set', '--default', file]);
    expect(set.exitCode, explain(set)).toBe(0);
    expect(set.lines[0]).toMatch(/^\(default scope\) {2}contract set: lenient \(the default scope's\) sha256 /);
    expect(set.stderr).toContain('held to it now, without a contract of their own: acme');

    const validate = await cli.run(['validate', 'acme']);
    expect(validate.exitCode, explain(validate)).toBe(0);
    const warning = 'soft check failed: python --version (not on PATH)';
    expect(cli.store().project('acme')).toMatchObject({ status: 'verified', digest: pinned('no-python'), warnings: JSON.stringify([warning]) });

    const show = await cli.run(['show', 'acme']);
    expect(show.lines[0]).toBe(`acme  verified → ${pinned('no-python')}  (1 warning)`);
    expect(show.lines).toContain(`  warning    ${warning}`);
    const list = await cli.run(['list']);
    expect(list.lines).toEqual([`acme  verified → ${pinned('no-python')}  (1 warning)`]);
    const resolve = await cli.run(['resolve', 'acme']);
    expect(resolve.exitCode, explain(resolve)).toBe(0);
    expect(resolve.stdout).toBe(pinned('no-python'));
    expect(resolve.stderr).toContain(`warning: ${warning}`);
    const json = await cli.run(['show', 'acme', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ data: { workerImageStatus: 'verified', warnings: [warning], contract: { source: 'default', name: 'lenient' } } });
    const resolveJson = await cli.run(['resolve', 'acme', '--json']);
    expect(JSON.parse(resolveJson.stdout)).toMatchObject({ data: { image: pinned('no-python'), warnings: [warning] } });
    await expectNoLeftovers(cli);
  });

  it('the inventory: show prints every tool found with its path; a drift reports how the tools changed, in the line and the audit log', async () => {
    const cli = await tempCli();
    const moving = `${e2e.registry}/ct-${RUN}/drift:current`;
    await pushImage(e2e.local.good, moving);
    expect((await cli.run(['set', 'acme', moving, '--create'])).exitCode).toBe(0);
    const show = await cli.run(['show', 'acme']);
    expect(show.lines).toContainEqual('  inventory  cascade-tools 0.1.0  /usr/local/bin/cascade-tools');
    expect(show.lines).toContainEqual('             node v20.11.1  /usr/local/bin/node');
    const shownJson = JSON.parse((await cli.run(['show', 'acme', '--json'])).stdout) as { data: { inventory: unknown[] } };
    expect(shownJson.data.inventory).toContainEqual({ check: 'git', tool: 'git', version: '2.39.2', path: '/usr/local/bin/git' });

    const digest = await pushImage(e2e.local['node-new'], moving);
    const drifted = await cli.run(['validate', 'acme']);
    expect(drifted.exitCode, explain(drifted)).toBe(0);
    const pin = `${e2e.registry}/ct-${RUN}/drift@${digest}`;
    expect(drifted.lines[0]).toBe(`acme  verified → ${pin}  (drifted: ${moving} moved; re-pinned; node v20.11.1 → v22.3.0)`);
    const audit = cli.store().audit('acme').filter((row) => row.event === 'validation_verified').at(-1);
    expect(JSON.parse(audit?.detail ?? '{}')).toMatchObject({ inventoryChanges: [{ tool: 'node', change: 'changed', from: { version: 'v20.11.1' }, to: { version: 'v22.3.0' } }] });
    await execa('docker', ['image', 'rm', moving, pin], { reject: false });
    await expectNoLeftovers(cli);
  });

  it('contract init --from a good image prints a contract with floors that the image then passes', async () => {
    const cli = await tempCli();
    const init = await cli.run(['contract', 'init', '--from', e2e.images.good]);
    expect(init.exitCode, explain(init)).toBe(0);
    expect(init.stdout).toContain("  - id: node\n    kind: version\n    tool: node\n    range: '>=20.11.1'");
    expect(init.stderr).toMatch(/probed .*: found cascade-tools 0\.1\.0, node v20\.11\.1, git 2\.39\.2, python 3\.11\.2/);
    const file = contractFile(cli, 'baseline.yaml', init.stdout);
    const lint = await cli.run(['contract', 'lint', file]);
    expect(lint.exitCode, explain(lint)).toBe(0);

    expect((await cli.run(['set', 'acme', e2e.images.good, '--create', '--no-validate'])).exitCode).toBe(0);
    const set = await cli.run(['contract', 'set', 'acme', file]);
    expect(set.exitCode, explain(set)).toBe(0);
    expect(cli.store().project('acme')).toMatchObject({ status: 'verified', digest: pinned('good') });
    // …and an older image is held to the floor.
    const old = await cli.run(['set', 'acme', e2e.images['node-old']]);
    expect(old.exitCode, explain(old)).toBe(1);
    expect(cli.store().project('acme')?.error).toContain('node --version (found v18.19.0, need >=20.11.1)');
    await expectNoLeftovers(cli);
  });

  it('a remembered verdict under a contract runs no container for a second project held to the same contract', async () => {
    const cli = await tempCli();
    const file = contractFile(cli, 'node-range.yaml', NODE_RANGE);
    for (const project of ['acme', 'beta']) {
      expect((await cli.run(['create', project])).exitCode).toBe(0);
      expect((await cli.run(['contract', 'set', project, file])).exitCode).toBe(0);
    }
    const first = await containersCreatedDuring(() => cli.run(['set', 'acme', e2e.images.good, '--json']));
    expect(first.result.exitCode, explain(first.result)).toBe(0);
    expect(first.created).toBeGreaterThanOrEqual(1);
    const second = await containersCreatedDuring(() => cli.run(['set', 'beta', e2e.images.good, '--json']));
    expect(second.result.exitCode, explain(second.result)).toBe(0);
    expect(jsonLines(second.result).find((event) => event.event === 'verified')).toMatchObject({ cached: true, workerImageDigest: pinned('good') });
    expect(second.created).toBe(0);
    expect(cli.store().runs().filter((run) => run.project_id === 'beta')).toHaveLength(1);
  });

  it('a bad contract file: exit 2 naming the file, the line and the field; nothing stored', async () => {
    const cli = await tempCli();
    expect((await cli.run(['create', 'acme'])).exitCode).toBe(0);
    const before = cli.store().everything();
    const file = contractFile(cli, 'bad.yaml', 'contract: 1\nchecks:\n  - id: node\n    kind: version\n    tool: node\n    rnage: ">=20"\n');
    for (const args of [['contract', 'lint', file], ['contract', 'set', 'acme', file]]) {
      const r = await cli.run(args);
      expect(r.exitCode, explain(r)).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6:5: checks\\[0\\]\\.rnage: `));
      expect(r.stderr).toContain('range');
    }
    expect(cli.store().everything()).toEqual(before);
    const missing = await cli.run(['contract', 'set', 'acme', path.join(cli.dir, 'nope.yaml')]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('no such file');
  });

  it('only a superadmin changes a contract (exit 77, nothing stored); the change is audited with both hashes', async () => {
    const cli = await tempCli();
    const file = contractFile(cli, 'node-range.yaml', NODE_RANGE);
    expect((await cli.run(['create', 'acme'])).exitCode).toBe(0);
    expect((await cli.run(['operators', 'grant', 'bob', '--role', 'viewer'])).exitCode).toBe(0);
    const refused = await cli.run(['contract', 'set', 'acme', file], { actor: 'bob' });
    expect(refused.exitCode, explain(refused)).toBe(77);
    expect(cli.store().audit('acme').filter((row) => row.event.startsWith('contract'))).toEqual([]);

    const set = await cli.run(['contract', 'set', 'acme', file]);
    expect(set.exitCode, explain(set)).toBe(0);
    const shown = JSON.parse((await cli.run(['contract', 'show', 'acme', '--json'])).stdout) as { data: { hash: string; source: string; setBy: string; sourceText: string } };
    expect(shown.data).toMatchObject({ source: 'project', setBy: 'alice', sourceText: NODE_RANGE });
    const cleared = await cli.run(['contract', 'clear', 'acme']);
    expect(cleared.exitCode, explain(cleared)).toBe(0);
    const rows = cli.store().audit('acme').filter((row) => row.event.startsWith('contract'));
    expect(rows.map((row) => [row.event, row.actor, row.from_ref, row.to_ref])).toEqual([
      ['contract_set', 'alice', null, shown.data.hash],
      ['contract_cleared', 'alice', shown.data.hash, null],
    ]);
    const history = await cli.run(['history', 'acme']);
    expect(history.stdout).toContain(`contract_set  (none) → ${shown.data.hash.slice(0, 12)}…`);
  });

  it('a contract cannot loosen the lock-down: its commands run with no network, a read-only root and no capabilities', async () => {
    const cli = await tempCli();
    const file = contractFile(
      cli,
      'escape.yaml',
      `contract: 1
name: escape
checks:
  - id: write-root
    kind: command
    run: touch /cascade-escape
  - id: network
    kind: command
    run: "ip -o link | grep -v ' lo:' | grep -q ."
  - id: chown
    kind: command
    run: chown 1000 /tmp
`,
    );
    expect((await cli.run(['set', 'acme', e2e.images.good, '--create', '--no-validate'])).exitCode).toBe(0);
    const set = await cli.run(['contract', 'set', 'acme', file]);
    expect(set.exitCode, explain(set)).toBe(1);
    const error = cli.store().project('acme')?.error ?? '';
    expect(error).toMatch(/touch \/cascade-escape \(exit 1, expected 0: .*Read-only file system\)/);
    expect(error).toMatch(/ip -o link .* \(exit 1, expected 0/);
    expect(error).toMatch(/chown 1000 \/tmp \(exit 1, expected 0: .*(Operation not permitted|Permission denied)/);
    await expectNoLeftovers(cli);
  });
});
