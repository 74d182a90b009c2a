// Signature and drift policies end to end: the BUILT binary, the real engine and the shared
// loopback registry, with cosign-format signatures the tests write into it (test/e2e/support/cosign.ts).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { makeSigningKey, storeSignature, type SigningKey } from './support/cosign.js';
import { explain, jsonLines, leftoverContainers, tempCli, type Cli } from './support/cli.js';
import { pushImage } from './support/registry.js';

const e2e = inject('e2e');
const RUN = randomBytes(3).toString('hex');
const pushed = new Set<string>();

/** Pushes a fixture variant to `<registry>/tr-<run>/<name>:current`; returns the tag and its pinned form. */
async function push(variant: keyof typeof e2e.local, name: string): Promise<{ repo: string; ref: string; digest: string; pin: string }> {
  const repo = `tr-${RUN}/${name}`;
  const ref = `${e2e.registry}/${repo}:current`;
  const digest = await pushImage(e2e.local[variant], ref);
  const pin = `${e2e.registry}/${repo}@${digest}`;
  pushed.add(ref).add(pin);
  return { repo, ref, digest, pin };
}

function keyIn(cli: Cli, name: string): SigningKey {
  return makeSigningKey(path.join(cli.dir, `${name}.pub`));
}

describe.skipIf(!e2e.engine)('signature and drift policies end to end (real engine, real registry)', () => {
  afterAll(async () => {
    if (pushed.size > 0) await execa('docker', ['image', 'rm', ...pushed], { reject: false });
  });

  it('enforce: a signed image is verified; an unsigned one fails before any container runs and is never pinned', async () => {
    const cli = await tempCli();
    const key = keyIn(cli, 'team');
    const signed = await push('good', 'signed');
    await storeSignature({ host: e2e.registry, repo: signed.repo, digest: signed.digest, key });
    const unsigned = await push('node-new', 'unsigned');
    for (const project of ['signed', 'unsigned']) expect((await cli.run(['create', project])).exitCode).toBe(0);
    for (const project of ['signed', 'unsigned']) {
      const policy = await cli.run(['trust', 'set', project, '--key', key.publicKeyFile]);
      expect(policy.exitCode, explain(policy)).toBe(0);
      expect(policy.lines[0]).toMatch(new RegExp(`^${project} {2}trust set: signatures enforce \\(ecdsa-p256 sha256:[0-9a-f]{12}…\\) \\[its own\\]; drift repin \\[none set\\]$`));
    }

    const ok = await cli.run(['set', 'signed', signed.ref]);
    expect(ok.exitCode, explain(ok)).toBe(0);
    expect(cli.store().project('signed')).toMatchObject({ status: 'verified', digest: signed.pin });

    const refused = await cli.run(['set', 'unsigned', unsigned.ref]);
    expect(refused.exitCode, explain(refused)).toBe(1);
    const reason = cli.store().project('unsigned')?.error ?? '';
    expect(reason).toMatch(/^not signed by a trusted key \(no signature found/);
    expect(reason).toContain(`sha256-${unsigned.digest.slice('sha256:'.length)}.sig`);
    expect(cli.store().project('unsigned')).toMatchObject({ status: 'failed', digest: null });
    // Refused before the smoke-test: the run never created a container.
    expect(cli.store().runs().filter((run) => run.project_id === 'unsigned')).toHaveLength(1);
    expect(await leftoverContainers(cli.store())).toEqual([]);
  });

  it('warn: an unsigned image is verified with a stored warning', async () => {
    const cli = await tempCli();
    const key = keyIn(cli, 'team');
    const unsigned = await push('good', 'warned');
    expect((await cli.run(['create', 'acme'])).exitCode).toBe(0);
    expect((await cli.run(['trust', 'set', 'acme', '--key', key.publicKeyFile, '--mode', 'warn'])).exitCode).toBe(0);
    const r = await cli.run(['set', 'acme', unsigned.ref, '--json']);
    expect(r.exitCode, explain(r)).toBe(0);
    const done = jsonLines(r).find((event) => event.event === 'verified');
    expect(done).toMatchObject({ workerImageDigest: unsigned.pin, warnings: [expect.stringMatching(/^signature: not signed by a trusted key/)] });
    const show = await cli.run(['show', 'acme']);
    expect(show.lines[0]).toBe(`acme  verified → ${unsigned.pin}  (1 warning)`);
  });

  it('refuses a signature by another key, and one whose payload names another digest or repository', async () => {
    const cli = await tempCli();
    const trusted = keyIn(cli, 'trusted');
    const stranger = keyIn(cli, 'stranger');
    const byStranger = await push('good', 'by-stranger');
    await storeSignature({ host: e2e.registry, repo: byStranger.repo, digest: byStranger.digest, key: stranger });
    const otherDigest = await push('good', 'other-digest');
    const someOther = await push('node-new', 'other-digest-decoy');
    await storeSignature({ host: e2e.registry, repo: otherDigest.repo, digest: otherDigest.digest, key: trusted, payloadDigest: someOther.digest });
    const otherRepo = await push('good', 'other-repo');
    await storeSignature({ host: e2e.registry, repo: otherRepo.repo, digest: otherRepo.digest, key: trusted, payloadReference: `${e2e.registry}/somebody/else` });
    expect((await cli.run(['trust', 'set', '--default', '--key', trusted.publicKeyFile])).exitCode).toBe(0);

    const cases = [
      ['stranger', byStranger.ref, /not signed by a trusted key \(.*key not in the policy/],
      ['digest', otherDigest.ref, new RegExp(`not signed by a trusted key \\(.*another digest ${someOther.digest}`)],
      ['repo', otherRepo.ref, /not signed by a trusted key \(.*another repository .*somebody\/else/],
    ] as const;
    for (const [project, ref, reason] of cases) {
      const r = await cli.run(['set', project, ref, '--create']);
      expect(r.exitCode, explain(r)).toBe(1);
      expect(cli.store().project(project)).toMatchObject({ status: 'failed', digest: null, error: expect.stringMatching(reason) });
    }
  });

  it('hold: a drifted tag that passes waits for approval (the old pin stays what resolve hands out); approve takes it', async () => {
    const cli = await tempCli();
    const key = keyIn(cli, 'team');
    const first = await push('good', 'held');
    await storeSignature({ host: e2e.registry, repo: first.repo, digest: first.digest, key });
    expect((await cli.run(['set', 'acme', first.ref, '--create'])).exitCode).toBe(0);
    const policy = await cli.run(['trust', 'set', 'acme', '--key', key.publicKeyFile, '--drift', 'hold']);
    expect(policy.exitCode, explain(policy)).toBe(0);

    const moved = await push('node-new', 'held');
    await storeSignature({ host: e2e.registry, repo: moved.repo, digest: moved.digest, key });
    const cron = await cli.run(['validate', '--all']);
    expect(cron.exitCode, explain(cron)).toBe(1);
    expect(cron.lines[0]).toBe(`acme  verified → ${first.pin}  (drifted: awaiting approval: ${first.ref} now resolves to ${moved.pin}, which passes; node v20.11.1 → v22.3.0; approve takes it)`);
    expect((await cli.run(['resolve', 'acme'])).stdout).toBe(first.pin);
    const shown = await cli.run(['trust', 'show', 'acme']);
    expect(shown.lines).toContainEqual(expect.stringMatching(new RegExp(`^ {2}held {7}${moved.pin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(found .*; node v20\\.11\\.1 → v22\\.3\\.0\\): awaiting approval$`)));

    const approved = await cli.run(['approve', 'acme']);
    expect(approved.exitCode, explain(approved)).toBe(0);
    expect(approved.lines[0]).toBe(`acme  verified → ${moved.pin}  (approved: drifted from ${first.pin}; node v20.11.1 → v22.3.0)`);
    expect((await cli.run(['resolve', 'acme'])).stdout).toBe(moved.pin);
    expect(cli.store().audit('acme').map((row) => row.event)).toEqual(expect.arrayContaining(['drift_held', 'drift_approved']));
    const again = await cli.run(['approve', 'acme']);
    expect(again.exitCode).toBe(2);
  });

  it('enforce: a tag that drifts to an unsigned image is never re-pinned', async () => {
    const cli = await tempCli();
    const key = keyIn(cli, 'team');
    const first = await push('good', 'drift-unsigned');
    await storeSignature({ host: e2e.registry, repo: first.repo, digest: first.digest, key });
    expect((await cli.run(['create', 'acme'])).exitCode).toBe(0);
    expect((await cli.run(['trust', 'set', 'acme', '--key', key.publicKeyFile])).exitCode).toBe(0);
    expect((await cli.run(['set', 'acme', first.ref])).exitCode).toBe(0);

    await push('node-new', 'drift-unsigned');
    const cron = await cli.run(['validate', 'acme']);
    expect(cron.exitCode, explain(cron)).toBe(1);
    expect(cron.lines[0]).toMatch(/^acme {2}failed: drifted: .* now resolves to an image that fails \(not signed by a trusted key/);
    expect(cli.store().project('acme')).toMatchObject({ status: 'verified', digest: first.pin });
    expect((await cli.run(['resolve', 'acme'])).stdout).toBe(first.pin);
  });

  it('only a superadmin sets a policy (exit 77, nothing stored); a bad key file is exit 2 naming it', async () => {
    const cli = await tempCli();
    const key = keyIn(cli, 'team');
    expect((await cli.run(['create', 'acme'])).exitCode).toBe(0);
    expect((await cli.run(['operators', 'grant', 'bob', '--role', 'viewer'])).exitCode).toBe(0);
    const before = cli.store().everything();
    const refused = await cli.run(['trust', 'set', 'acme', '--key', key.publicKeyFile], { actor: 'bob' });
    expect(refused.exitCode, explain(refused)).toBe(77);
    const bad = await cli.run(['trust', 'set', 'acme', '--key', path.join(cli.dir, 'xdg')]);
    expect(bad.exitCode).toBe(2);
    expect(cli.store().everything()).toEqual(before);
  });
});
