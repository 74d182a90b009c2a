// Proves the e2e infrastructure itself: the engine, the fixture images, the throwaway registries.
import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { manifestDigestAt, pullImage, pushImage, startRegistry, type Registry } from './support/registry.js';

const e2e = inject('e2e');

const docker = (args: string[]) => execa('docker', args, { reject: false, stdin: 'ignore', all: true });
const inspect = async (ref: string) => {
  const r = await execa('docker', ['image', 'inspect', ref]);
  return (JSON.parse(r.stdout) as Array<{ Id: string; RepoDigests: string[] | null }>)[0]!;
};
/** What the product's smoke-test does: bash -c SCRIPT with the image's entrypoint replaced. */
const smoke = (image: string, script: string) => docker(['run', '--rm', '--network', 'none', '--entrypoint', 'bash', image, '-c', script]);

const HARD = [
  'set -e',
  'cascade-tools --version',
  'node --version',
  'git --version',
  'command -v claude || command -v codex || command -v opencode',
].join('\n');
const PLAYWRIGHT = `NODE_PATH=$(npm root -g) node -e "require('@playwright/test/package.json')"`;

describe.skipIf(!e2e.engine)('e2e infrastructure', () => {
  it('the shared registry reports a digest for acme/worker:good, and docker records it as a RepoDigest', async () => {
    const digest = await manifestDigestAt(e2e.registry, 'acme/worker', 'good');
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(digest).toBe(e2e.digests.good);

    const byDigest = `${e2e.registry}/acme/worker@${digest}`;
    const pull = await docker(['pull', '--quiet', byDigest]);
    expect(pull.exitCode, pull.all).toBe(0);
    const img = await inspect(e2e.images.good);
    expect(img.RepoDigests).toContain(byDigest);
    expect((await inspect(byDigest)).Id).toBe(img.Id);

    // Every pushed variant is there, each with its own manifest.
    const all = await Promise.all(Object.keys(e2e.images).map((v) => manifestDigestAt(e2e.registry, 'acme/worker', v)));
    expect(new Set(all).size).toBe(Object.keys(e2e.images).length);
  });

  it('local-only is a distinct image that was never pushed: RepoDigests is empty', async () => {
    const localOnly = await inspect(e2e.localOnly);
    expect(localOnly.RepoDigests ?? []).toEqual([]);
    expect(localOnly.Id).not.toBe((await inspect(e2e.local.good)).Id);
  });

  it('the smoke checks pass on good and entrypoint-exit1 (entrypoint overridden), and fail as designed elsewhere', async () => {
    const good = await smoke(e2e.images.good, `${HARD}\npython --version\n${PLAYWRIGHT}`);
    expect(good.exitCode, good.all).toBe(0);
    expect(good.all).toContain('git version');

    // The stub node resolves require() against NODE_PATH for real: a module that is absent fails.
    const absent = await smoke(e2e.images.good, `NODE_PATH=$(npm root -g) node -e "require('no-such-module')"`);
    expect(absent.exitCode).not.toBe(0);

    const noGit = await smoke(e2e.images['no-git'], 'cascade-tools --version && node --version && git --version');
    expect(noGit.exitCode, noGit.all).toBe(127);
    expect(noGit.all).toMatch(/git: command not found/);

    const noPython = await smoke(e2e.images['no-python'], `${HARD}\n${PLAYWRIGHT}\npython --version || exit 42`);
    expect(noPython.exitCode, noPython.all).toBe(42); // every hard check passed; only the soft one fails

    const noBash = await smoke(e2e.images['no-bash'], 'true');
    expect(noBash.exitCode).not.toBe(0);
    expect(noBash.all).toMatch(/"bash": executable file not found/);

    const ownEntrypoint = await docker(['run', '--rm', '--network', 'none', e2e.images['entrypoint-exit1']]);
    expect(ownEntrypoint.exitCode).toBe(1);
    const overridden = await smoke(e2e.images['entrypoint-exit1'], `${HARD}\n${PLAYWRIGHT}`);
    expect(overridden.exitCode, overridden.all).toBe(0);
  });

  it('hang never answers cascade-tools --version; flood writes ~50 MB before its version', async () => {
    const t0 = Date.now();
    const hang = await smoke(e2e.images.hang, 'timeout 2 cascade-tools --version; echo "rc=$?"');
    expect(hang.stdout).toMatch(/rc=(124|143)/);
    expect(Date.now() - t0).toBeLessThan(30_000);

    const flood = await smoke(e2e.images.flood, 'node --version | wc -c; node --version | tail -n 1');
    expect(flood.exitCode, flood.all).toBe(0);
    const [bytes, version] = flood.stdout.trim().split('\n');
    expect(Number(bytes)).toBeGreaterThanOrEqual(50 * 1024 * 1024);
    expect(version).toBe('v20.11.1');
  });

  describe('a private (htpasswd) registry', () => {
    const auth = { user: 'ci', password: 'ci-pass-1' };
    let reg: Registry | undefined;
    let id = '';
    const tag = `e2e-${process.pid}-${Date.now()}`;
    const local = `cascade-fixture/private-probe:${tag}`;

    afterAll(async () => {
      await docker(['image', 'rm', '--force', local]);
      if (id) await docker(['image', 'rm', '--force', id]);
      await reg?.stop();
    });

    it('needs credentials, serves a real pull by digest, and loses the image after deleteManifest', async () => {
      reg = await startRegistry({ htpasswd: auth });
      const anon = await fetch(`http://${reg.host}/v2/`);
      expect(anon.status).toBe(401);

      // A fresh image (good + a unique label), so the pull below really has to fetch it.
      const build = await execa('docker', ['build', '-q', '-t', local, '-'], {
        input: `FROM ${e2e.local.good}\nLABEL cascade.e2e.probe="${tag}"\n`,
        env: { DOCKER_BUILDKIT: '0' },
        reject: false,
        all: true,
      });
      expect(build.exitCode, build.all).toBe(0);

      const ref = reg.ref('acme/private', 'v1');
      const digest = await pushImage(local, ref, { auth });
      expect(await reg.manifestDigest('acme/private', 'v1')).toBe(digest);
      id = (await inspect(local)).Id;

      expect((await docker(['image', 'rm', '--force', id])).exitCode).toBe(0);
      const byDigest = `${reg.host}/acme/private@${digest}`;
      const denied = await docker(['pull', byDigest]);
      expect(denied.exitCode).not.toBe(0);
      expect(denied.all).toMatch(/no basic auth credentials|unauthorized|authentication required/i);

      await pullImage(byDigest, { auth });
      expect((await inspect(byDigest)).Id).toBe(id);

      expect(await reg.deleteManifest('acme/private', 'v1')).toBe(digest);
      expect(await reg.manifestDigest('acme/private', 'v1')).toBeNull();
      await docker(['image', 'rm', '--force', id]);
      // Gone for a tag pull and for a digest pull (which the engine may answer from its own
      // manifest cache: deleteManifest also drops the config blob, so that pull fails too).
      await expect(pullImage(ref, { auth })).rejects.toThrow(/manifest unknown|not found/i);
      await expect(pullImage(byDigest, { auth })).rejects.toThrow(/manifest unknown|unknown blob|blob unknown|not found/i);

      const dir = reg.dir;
      await reg.stop();
      expect(existsSync(dir)).toBe(false);
    });
  });
});
