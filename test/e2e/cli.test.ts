// The backbone end to end: the BUILT binary against the real engine and a real registry.
// Every test reads what a user relies on: the lifecycle lines, the exit code, and what the store
// says afterwards (read directly: the SQLite file, or the PostgreSQL schema in the e2e-postgres
// project); and that no container of ours is left behind.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import {
  containersCreatedSince,
  DEFAULT_ACTOR,
  dockerOk,
  explain,
  imageId,
  jsonLines,
  leftoverContainers,
  tempCli,
  type Cli,
  type CliResult,
} from './support/cli.js';
import { REPO_ROOT } from './support/paths.js';
import { pushImage } from './support/registry.js';

const e2e = inject('e2e');
/** What the registry reported when the variant was pushed: `<registry>/acme/worker@sha256:…`. */
const pinned = (variant: keyof typeof e2e.digests) => `${e2e.registry}/acme/worker@${e2e.digests[variant]}`;
const ENGINE_DOWN = { DOCKER_HOST: 'unix:///nonexistent.sock' };
const SHA = /^sha256:[0-9a-f]{64}$/;

/** `set acme <ref> --create` and the two lines every validated change prints. */
async function setAcme(cli: Cli, ref: string, ...extra: string[]): Promise<CliResult> {
  return cli.run(['set', 'acme', ref, '--create', ...extra]);
}

/** The stdout lines of the lifecycle grammar for one name (`<name>  …`), leaving out anything else. */
function lifecycleLines(r: CliResult, name: string): string[] {
  return r.lines.filter((line) => line.startsWith(`${name}  `));
}

/** The validation runs recorded in the store left no container behind. */
async function expectNoLeftovers(cli: Cli): Promise<void> {
  expect(await leftoverContainers(cli.store())).toEqual([]);
}

describe.skipIf(!e2e.engine)('cascade-image end to end (real engine, real registry)', () => {
  describe('set: pending, then pulled, pinned, smoke-tested, verified', () => {
    it('set acme <good> --create prints pending then verified → the digest the registry reports, and stores the pin', async () => {
      const cli = await tempCli();
      const since = new Date();
      const r = await setAcme(cli, e2e.images.good);

      expect(r.exitCode, explain(r)).toBe(0);
      expect(pinned('good')).toMatch(/@sha256:[0-9a-f]{64}$/);
      expect(r.lines).toEqual([`acme  pending  ${e2e.images.good}`, `acme  verified → ${pinned('good')}`]);

      // The audit line is the first thing on stderr, printed before validation starts.
      expect(JSON.parse(r.errLines[0] ?? 'null')).toEqual({
        event: 'project_worker_image_changed',
        actorId: DEFAULT_ACTOR,
        projectId: 'acme',
        from: null,
        to: e2e.images.good,
      });
      expect(r.all.indexOf('"project_worker_image_changed"')).toBeGreaterThanOrEqual(0);
      expect(r.all.indexOf('"project_worker_image_changed"')).toBeLessThan(r.all.indexOf('verified →'));
      expect(r.stderr).not.toMatch(/warning/i);

      const store = cli.store();
      expect(store.project('acme')).toMatchObject({
        worker_image: e2e.images.good,
        status: 'verified',
        digest: pinned('good'),
        pin_kind: 'registry',
        error: null,
        allow_local: 0,
        generation: 1,
      });
      expect(store.runs('acme')).toEqual([
        expect.objectContaining({ generation: 1, reference: e2e.images.good, outcome: 'verified', digest: pinned('good'), error: null }),
      ]);
      expect(store.audit().map((a) => [a.actor, a.project_id, a.event, a.from_ref, a.to_ref])).toEqual([
        [DEFAULT_ACTOR, null, 'operator_granted', null, 'superadmin'],
        [DEFAULT_ACTOR, 'acme', 'project_worker_image_changed', null, e2e.images.good],
        [DEFAULT_ACTOR, 'acme', 'validation_verified', e2e.images.good, pinned('good')],
      ]);

      // Exactly one one-shot container ran the smoke-test, and it is gone.
      const created = await containersCreatedSince(since, 'acme');
      expect(created).toHaveLength(1);
      expect(created[0]?.Actor.Attributes['io.cascade-image.run-id']).toBe(store.runs('acme')[0]?.run_id);
      await expectNoLeftovers(cli);

      const show = await cli.run(['show', 'acme']);
      expect(show.exitCode, explain(show)).toBe(0);
      expect(show.lines[0]).toBe(`acme  verified → ${pinned('good')}`);
      expect(show.stdout).toContain(`reference  ${e2e.images.good}`);

      const json = await cli.run(['show', 'acme', '--json']);
      expect(json.exitCode, explain(json)).toBe(0);
      expect(json.lines).toHaveLength(1);
      expect(JSON.parse(json.stdout)).toMatchObject({
        schemaVersion: 1,
        command: 'show',
        ok: true,
        data: {
          project: 'acme',
          workerImage: e2e.images.good,
          workerImageStatus: 'verified',
          workerImageDigest: pinned('good'),
          workerImageError: null,
          pinKind: 'registry',
          usesGlobalDefault: false,
        },
      });

      const resolve = await cli.run(['resolve', 'acme']);
      expect(resolve.exitCode, explain(resolve)).toBe(0);
      expect(resolve.stdout).toBe(pinned('good'));
    });

    it('a malformed reference exits 2 with a clear error; nothing is stored (not even the store) and Docker is never asked', async () => {
      const cli = await tempCli();
      const since = new Date();
      const r = await cli.run(['set', 'acme', 'Bad Ref!', '--create']);
      expect(r.exitCode, explain(r)).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/invalid image reference "Bad Ref!"/);
      expect(r.stderr).toMatch(/hint: /);
      expect(cli.store().exists).toBe(false);
      // Nothing in the working directory either (on SQLite not even the store's folder).
      expect(readdirSync(cli.dir)).toEqual([]);
      expect(await containersCreatedSince(since, 'acme')).toEqual([]);

      // With an existing store, the project's row (and everything else) is left exactly as it was.
      const ok = await setAcme(cli, e2e.images.good);
      expect(ok.exitCode, explain(ok)).toBe(0);
      const before = cli.store().everything();
      const since2 = new Date();
      const again = await cli.run(['set', 'acme', 'Bad Ref!']);
      expect(again.exitCode, explain(again)).toBe(2);
      expect(again.stdout).toBe('');
      expect(again.stderr).toMatch(/invalid image reference "Bad Ref!"/);
      expect(cli.store().everything()).toEqual(before);
      expect(await containersCreatedSince(since2, 'acme')).toEqual([]);
    });

    it('an unknown project without --create exits 2 with a hint to use --create; nothing is stored', async () => {
      const cli = await tempCli();
      const fresh = await cli.run(['set', 'acme', e2e.images.good]);
      expect(fresh.exitCode, explain(fresh)).toBe(2);
      expect(fresh.stdout).toBe('');
      expect(fresh.stderr).toMatch(/project "acme" does not exist/);
      expect(fresh.stderr).toMatch(/hint:.*--create/);
      if (cli.store().exists) {
        expect(cli.store().projects()).toEqual([]);
        expect(cli.store().runs()).toEqual([]);
        expect(cli.store().audit().filter((a) => a.project_id !== null)).toEqual([]);
      }

      const other = await cli.run(['set', 'other', e2e.images.good, '--create', '--no-validate']);
      expect(other.exitCode, explain(other)).toBe(0);
      const before = cli.store().everything();
      const r = await cli.run(['set', 'acme', e2e.images.good]);
      expect(r.exitCode, explain(r)).toBe(2);
      expect(r.stderr).toMatch(/hint:.*--create/);
      expect(cli.store().everything()).toEqual(before);
    });

    it('no-git: exit 1, failed naming git --version; stored failed with no digest', async () => {
      const cli = await tempCli();
      const r = await setAcme(cli, e2e.images['no-git']);
      expect(r.exitCode, explain(r)).toBe(1);
      expect(r.lines).toHaveLength(2);
      expect(r.lines[0]).toBe(`acme  pending  ${e2e.images['no-git']}`);
      expect(r.lines[1]).toMatch(/^acme {2}failed: .*git --version/);
      expect(cli.store().project('acme')).toMatchObject({
        worker_image: e2e.images['no-git'],
        status: 'failed',
        digest: null,
        pin_kind: null,
        error: 'hard checks failed: git --version (not on PATH)',
      });
      expect(cli.store().audit('acme').at(-1)).toMatchObject({ event: 'validation_failed', to_ref: null });
      await expectNoLeftovers(cli);
    });

    it('no-python: only a soft check fails, and under the built-in contract every check must pass: exit 1, failed naming python', async () => {
      const cli = await tempCli();
      const r = await setAcme(cli, e2e.images['no-python']);
      expect(r.exitCode, explain(r)).toBe(1);
      expect(r.lines).toEqual([`acme  pending  ${e2e.images['no-python']}`, 'acme  failed: soft checks failed: python --version (not on PATH)']);
      expect(cli.store().project('acme')).toMatchObject({ status: 'failed', digest: null, error: 'soft checks failed: python --version (not on PATH)' });
      await expectNoLeftovers(cli);
    });

    it('no-bash: exit 1, failed saying the image has no bash', async () => {
      const cli = await tempCli();
      const r = await setAcme(cli, e2e.images['no-bash']);
      expect(r.exitCode, explain(r)).toBe(1);
      expect(r.lines[1]).toMatch(/^acme {2}failed: image has no bash/);
      expect(cli.store().project('acme')).toMatchObject({ status: 'failed', digest: null, error: expect.stringMatching(/has no bash/) });
      await expectNoLeftovers(cli);
    });

    it('entrypoint-exit1: the image ENTRYPOINT is replaced for the smoke-test, so it is verified', async () => {
      const cli = await tempCli();
      const r = await setAcme(cli, e2e.images['entrypoint-exit1']);
      expect(r.exitCode, explain(r)).toBe(0);
      expect(r.lines).toEqual([`acme  pending  ${e2e.images['entrypoint-exit1']}`, `acme  verified → ${pinned('entrypoint-exit1')}`]);
      expect(cli.store().project('acme')).toMatchObject({ status: 'verified', digest: pinned('entrypoint-exit1') });
      await expectNoLeftovers(cli);
    });

    it('hang with --timeout 3s: the audit line is out before the verdict; exit 1, timed out after 3s; no container left', async () => {
      const cli = await tempCli();
      const since = new Date();
      const proc = cli.spawn(['set', 'acme', e2e.images.hang, '--create', '--timeout', '3s']);
      const started = performance.now();
      let stdoutSoFar = '';
      proc.stdout.on('data', (chunk: Buffer) => (stdoutSoFar += chunk.toString()));
      const firstErr = await new Promise<{ line: string; stdout: string; atMs: number }>((resolve, reject) => {
        let buffered = '';
        proc.stderr.on('data', (chunk: Buffer) => {
          buffered += chunk.toString();
          const nl = buffered.indexOf('\n');
          if (nl >= 0) resolve({ line: buffered.slice(0, nl), stdout: stdoutSoFar, atMs: performance.now() - started });
        });
        proc.once('exit', () => reject(new Error('exited before writing a line to stderr')));
      });
      const done = await proc;
      const exitedAtMs = performance.now() - started;

      expect(JSON.parse(firstErr.line)).toMatchObject({ event: 'project_worker_image_changed', projectId: 'acme', from: null, to: e2e.images.hang });
      // The audit line arrived while the 3 s smoke-test was still running, before any verdict.
      expect(firstErr.stdout).not.toMatch(/failed|verified/);
      expect(exitedAtMs - firstErr.atMs).toBeGreaterThan(2_500);

      expect(done.exitCode, done.all).toBe(1);
      const lines = done.stdout.split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toBe(`acme  pending  ${e2e.images.hang}`);
      expect(lines[1]).toMatch(/^acme {2}failed: smoke-test timed out after 3s/);
      expect(exitedAtMs).toBeLessThan(30_000);
      expect(cli.store().project('acme')).toMatchObject({ status: 'failed', digest: null, error: expect.stringMatching(/^smoke-test timed out after 3s/) });

      expect(await containersCreatedSince(since, 'acme')).toHaveLength(1);
      await expectNoLeftovers(cli);
    });

    it.each([
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const)('%s during the smoke-test: exit %i, stored failed (interrupted), the container is removed', async (signal, code) => {
      const cli = await tempCli();
      const since = new Date();
      const proc = cli.spawn(['set', 'acme', e2e.images.hang, '--create', '--timeout', '60s']);
      // Wait until the smoke-test container exists, then interrupt.
      const deadline = Date.now() + 30_000;
      while ((await containersCreatedSince(since, 'acme')).length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      proc.kill(signal);
      const done = await proc;
      expect(done.exitCode, done.all).toBe(code);
      expect(done.stdout.split('\n')).toEqual([`acme  pending  ${e2e.images.hang}`, `acme  failed: interrupted (${signal})`]);
      expect(cli.store().project('acme')).toMatchObject({ status: 'failed', digest: null, error: `interrupted (${signal})` });
      expect(cli.store().runs('acme')).toEqual([expect.objectContaining({ outcome: 'failed', finished_at: expect.any(String) })]);
      await expectNoLeftovers(cli);
    });

    it('flood: ~50 MB of output from one check does not stop it being verified', async () => {
      const cli = await tempCli();
      const r = await setAcme(cli, e2e.images.flood);
      expect(r.exitCode, explain(r)).toBe(0);
      expect(r.lines).toEqual([`acme  pending  ${e2e.images.flood}`, `acme  verified → ${pinned('flood')}`]);
      expect(r.stdout.length).toBeLessThan(10_000);
      expect(cli.store().project('acme')).toMatchObject({ status: 'verified', digest: pinned('flood') });
      await expectNoLeftovers(cli);
    });
  });

  describe('pulls that cannot pin a registry digest', () => {
    it('a local-only image fails (exists only locally, --allow-local); with --allow-local it is verified and pinned to its image ID', async () => {
      const cli = await tempCli();
      const r = await setAcme(cli, e2e.localOnly);
      expect(r.exitCode, explain(r)).toBe(1);
      expect(r.lines[0]).toBe(`acme  pending  ${e2e.localOnly}`);
      expect(r.lines[1]).toMatch(/^acme {2}failed: .*exists only locally.*--allow-local/);
      expect(cli.store().project('acme')).toMatchObject({
        status: 'failed',
        digest: null,
        allow_local: 0,
        error: expect.stringMatching(/exists only locally[\s\S]*--allow-local/),
      });

      const id = await imageId(e2e.localOnly);
      expect(id).toMatch(SHA);
      const local = await cli.run(['set', 'acme', e2e.localOnly, '--allow-local']);
      expect(local.exitCode, explain(local)).toBe(0);
      expect(local.lines).toHaveLength(2);
      expect(local.lines[1]).toMatch(new RegExp(`^acme {2}verified → ${id}(\\s|$)`));
      expect(local.lines[1]).toMatch(/local image ID/);
      expect(cli.store().project('acme')).toMatchObject({ status: 'verified', digest: id, pin_kind: 'local', allow_local: 1, generation: 2 });

      const show = await cli.run(['show', 'acme']);
      expect(show.exitCode, explain(show)).toBe(0);
      expect(show.lines[0]).toMatch(new RegExp(`^acme {2}verified → ${id}.*local`));
      expect(show.stdout).toMatch(/pin +local image ID/);
      const resolve = await cli.run(['resolve', 'acme']);
      expect(resolve.stdout).toBe(id);
      await expectNoLeftovers(cli);
    });

    it('an unknown tag fails as not found', async () => {
      const cli = await tempCli();
      const ref = `${e2e.registry}/acme/worker:does-not-exist`;
      const r = await setAcme(cli, ref);
      expect(r.exitCode, explain(r)).toBe(1);
      expect(r.lines).toEqual([`acme  pending  ${ref}`, expect.stringMatching(/^acme {2}failed: .*not found/)]);
      expect(cli.store().project('acme')).toMatchObject({ status: 'failed', digest: null, error: expect.stringMatching(/not found/) });
    });

    it('a registry that is down fails as registry unreachable', async () => {
      const cli = await tempCli();
      const ref = '127.0.0.1:1/acme/worker:good';
      const r = await setAcme(cli, ref);
      expect(r.exitCode, explain(r)).toBe(1);
      expect(r.lines).toEqual([`acme  pending  ${ref}`, expect.stringMatching(/^acme {2}failed: registry unreachable/)]);
      expect(cli.store().project('acme')).toMatchObject({ status: 'failed', digest: null, error: expect.stringMatching(/registry unreachable/) });
    });

    it('an unreachable engine exits 69 and stores failed (fail-closed: never left pending)', async () => {
      const cli = await tempCli();
      const r = await cli.run(['set', 'acme', e2e.images.good, '--create'], { env: ENGINE_DOWN });
      expect(r.exitCode, explain(r)).toBe(69);
      expect(r.lines).toEqual([`acme  pending  ${e2e.images.good}`, expect.stringMatching(/^acme {2}failed: Docker engine unreachable at unix:\/\/\/nonexistent\.sock/)]);
      expect(cli.store().project('acme')).toMatchObject({ status: 'failed', digest: null, error: expect.stringMatching(/engine unreachable/i) });
      expect(cli.store().runs('acme')).toEqual([expect.objectContaining({ outcome: 'failed', finished_at: expect.any(String) })]);
    });
  });

  describe('an unreachable engine is exit 69 for every command that talks to it, never 70', () => {
    // Each command as a user would run it after a first `set`, against an engine that is not there,
    // both through DOCKER_HOST and through --docker-host.
    const commands: ReadonlyArray<readonly [string, (ref: string) => string[]]> = [
      ['set', (ref) => ['set', 'acme', ref]],
      ['set --create', (ref) => ['set', 'other', ref, '--create']],
      ['validate', () => ['validate', 'acme']],
      ['validate --all', () => ['validate', '--all']],
      ['cleanup', () => ['cleanup']],
      ['cleanup --dry-run', () => ['cleanup', '--dry-run']],
      ['doctor', () => ['doctor']],
      ['defaults set', (ref) => ['defaults', 'set', ref]],
    ];
    it.each(commands)('%s', async (_name, argv) => {
      const cli = await tempCli();
      await cli.run(['set', 'acme', e2e.images.good, '--create', '--no-validate']);
      for (const run of [
        () => cli.run(argv(e2e.images.good), { env: ENGINE_DOWN }),
        () => cli.run(['--docker-host', ENGINE_DOWN.DOCKER_HOST, ...argv(e2e.images.good)]),
      ]) {
        const r = await run();
        expect(r.exitCode, explain(r)).toBe(69);
        expect(r.all).not.toMatch(/this is a bug|unexpected error/);
        expect(r.all).toMatch(/nonexistent\.sock/);
      }
    });
  });

  describe('the rest of the lifecycle', () => {
    it('--no-validate stores pending (no run); validate then verifies it', async () => {
      const cli = await tempCli();
      const r = await setAcme(cli, e2e.images.good, '--no-validate');
      expect(r.exitCode, explain(r)).toBe(0);
      expect(r.lines).toEqual([`acme  pending  ${e2e.images.good}`]);
      expect(cli.store().project('acme')).toMatchObject({ status: 'pending', digest: null, error: null, generation: 1 });
      expect(cli.store().runs()).toEqual([]);

      const v = await cli.run(['validate', 'acme']);
      expect(v.exitCode, explain(v)).toBe(0);
      // validate prints the verdict line (no pending line: the reference did not change); it may add a summary.
      expect(lifecycleLines(v, 'acme')).toEqual([`acme  verified → ${pinned('good')}`]);
      expect(cli.store().project('acme')).toMatchObject({ status: 'verified', digest: pinned('good'), generation: 1 });
      await expectNoLeftovers(cli);
    });

    it('clear reverts to the global default without asking Docker; resolve then needs a default', async () => {
      const cli = await tempCli();
      expect((await setAcme(cli, e2e.images.good)).exitCode).toBe(0);

      // An unreachable engine does not matter: clear never talks to Docker.
      const r = await cli.run(['clear', 'acme'], { env: ENGINE_DOWN });
      expect(r.exitCode, explain(r)).toBe(0);
      expect(r.lines).toEqual(['acme  (global default)']);
      expect(JSON.parse(r.errLines[0] ?? 'null')).toMatchObject({ event: 'project_worker_image_changed', from: e2e.images.good, to: null });
      expect(cli.store().project('acme')).toMatchObject({ worker_image: null, status: null, digest: null, pin_kind: null, error: null, generation: 2 });
      expect(cli.store().runs()).toHaveLength(1); // only the set's

      const show = await cli.run(['show', 'acme'], { env: ENGINE_DOWN });
      expect(show.exitCode, explain(show)).toBe(0);
      expect(show.lines[0]).toBe('acme  (global default)');

      const none = await cli.run(['resolve', 'acme']);
      expect(none.exitCode, explain(none)).not.toBe(0);
      expect(none.stdout).toBe('');
      expect(none.stderr).toMatch(/no global default/);

      const env = await cli.run(['resolve', 'acme'], { env: { CASCADE_DEFAULT_WORKER_IMAGE: 'x/y:1' } });
      expect(env.exitCode, explain(env)).toBe(0);
      expect(env.stdout).toBe('x/y:1');
      expect(env.stderr).toMatch(/never validated/);
    });

    it('defaults set validates and pins the global default; projects without an image resolve to it; defaults clear', async () => {
      const cli = await tempCli();
      const r = await cli.run(['defaults', 'set', e2e.images.good]);
      expect(r.exitCode, explain(r)).toBe(0);
      expect(r.lines).toEqual([`(default)  pending  ${e2e.images.good}`, `(default)  verified → ${pinned('good')}`]);
      expect(JSON.parse(r.errLines[0] ?? 'null')).toEqual({
        event: 'default_worker_image_changed',
        actorId: DEFAULT_ACTOR,
        projectId: null,
        from: null,
        to: e2e.images.good,
      });
      expect(cli.store().globalDefault()).toMatchObject({ worker_image: e2e.images.good, status: 'verified', digest: pinned('good'), pin_kind: 'registry' });
      expect(cli.store().projects()).toEqual([]);

      const created = await cli.run(['create', 'beta']);
      expect(created.exitCode, explain(created)).toBe(0);
      expect(cli.store().project('beta')).toMatchObject({ worker_image: null, status: null });
      const resolve = await cli.run(['resolve', 'beta']);
      expect(resolve.exitCode, explain(resolve)).toBe(0);
      expect(resolve.stdout).toBe(pinned('good'));
      const resolveJson = await cli.run(['resolve', 'beta', '--json']);
      expect(JSON.parse(resolveJson.stdout)).toMatchObject({ ok: true, data: { project: 'beta', image: pinned('good'), source: 'default', unvalidated: false } });

      const shown = await cli.run(['defaults']);
      expect(shown.exitCode, explain(shown)).toBe(0);
      expect(shown.lines[0]).toBe(`(default)  verified → ${pinned('good')}`);

      const cleared = await cli.run(['defaults', 'clear'], { env: ENGINE_DOWN });
      expect(cleared.exitCode, explain(cleared)).toBe(0);
      expect(cli.store().globalDefault()).toMatchObject({ worker_image: null, status: null, digest: null });
      const after = await cli.run(['defaults']);
      expect(after.lines[0]).toMatch(/^\(default\) {2}none/);
      const unresolved = await cli.run(['resolve', 'beta']);
      expect(unresolved.exitCode, explain(unresolved)).not.toBe(0);
      expect(unresolved.stdout).toBe('');
      await expectNoLeftovers(cli);
    });

    it('resolve refuses a pending project (exit 75) and a failed one (exit 1, with the reason)', async () => {
      const cli = await tempCli();
      expect((await setAcme(cli, e2e.images.good, '--no-validate')).exitCode).toBe(0);
      const pending = await cli.run(['resolve', 'acme']);
      expect(pending.exitCode, explain(pending)).toBe(75);
      expect(pending.stdout).toBe('');
      expect(pending.stderr).toMatch(/pending/);

      expect((await cli.run(['set', 'acme', e2e.images['no-git']])).exitCode).toBe(1);
      const error = cli.store().project('acme')?.error;
      expect(error).toMatch(/git --version/);
      const failed = await cli.run(['resolve', 'acme']);
      expect(failed.exitCode, explain(failed)).toBe(1);
      expect(failed.stdout).toBe('');
      expect(failed.stderr).toContain(error);
    });

    it('set --json prints NDJSON lifecycle events; list --json prints the envelope', async () => {
      const cli = await tempCli();
      const r = await setAcme(cli, e2e.images.good, '--json');
      expect(r.exitCode, explain(r)).toBe(0);
      const events = jsonLines(r);
      expect(events.every((e) => e.schemaVersion === 1 && e.project === 'acme' && e.scope === 'project')).toBe(true);
      expect(events.at(0)).toMatchObject({ event: 'pending', workerImage: e2e.images.good, generation: 1 });
      expect(events.at(-1)).toMatchObject({
        event: 'verified',
        workerImage: e2e.images.good,
        workerImageStatus: 'verified',
        workerImageDigest: pinned('good'),
        workerImageError: null,
        pinKind: 'registry',
        stored: true,
      });
      expect(events.map((e) => e.event).filter((e) => e === 'pending' || e === 'verified')).toEqual(['pending', 'verified']);
      expect(events.find((e) => e.event === 'pinned')).toMatchObject({ workerImageDigest: pinned('good') });
      // The audit line still goes to stderr, never mixed into the NDJSON.
      expect(JSON.parse(r.errLines[0] ?? 'null')).toMatchObject({ event: 'project_worker_image_changed' });

      const list = await cli.run(['list', '--json']);
      expect(list.exitCode, explain(list)).toBe(0);
      expect(list.lines).toHaveLength(1);
      expect(JSON.parse(list.stdout)).toMatchObject({
        schemaVersion: 1,
        command: 'list',
        ok: true,
        data: { projects: [{ project: 'acme', workerImage: e2e.images.good, workerImageStatus: 'verified', workerImageDigest: pinned('good') }] },
      });
      const human = await cli.run(['list']);
      expect(human.lines).toEqual([`acme  verified → ${pinned('good')}`]);
    });

    it('the tag moves: a failing new image is reported as drift while the tested old pin stays launchable; a passing one is re-pinned', async () => {
      const cli = await tempCli();
      const moving = `${e2e.registry}/acme/worker:moving`;
      onTestFinished(async () => {
        await dockerOk(['image', 'rm', moving]).catch(() => undefined);
      });
      const digestA = await pushImage(e2e.local.good, moving);
      const pinA = `${e2e.registry}/acme/worker@${digestA}`;

      const set = await setAcme(cli, moving);
      expect(set.exitCode, explain(set)).toBe(0);
      expect(set.lines[1]).toBe(`acme  verified → ${pinA}`);
      expect(cli.store().project('acme')).toMatchObject({ status: 'verified', digest: pinA });

      // Someone pushes a broken image under the same tag.
      const digestB = await pushImage(e2e.local['no-git'], moving);
      expect(digestB).not.toBe(digestA);
      const pinB = `${e2e.registry}/acme/worker@${digestB}`;

      const v = await cli.run(['validate', 'acme', '--json']);
      expect(v.exitCode, explain(v)).toBe(1);
      const events = jsonLines(v);
      // The digest reported is the NEW manifest's: the one that was pulled and tested.
      expect(events.find((e) => e.event === 'pinned')).toMatchObject({ workerImageDigest: pinB });
      const finished = events.filter((e) => e.project === 'acme' && ['verified', 'failed', 'stale'].includes(String(e.event)));
      expect(finished).toEqual([
        expect.objectContaining({
          event: 'failed',
          outcome: 'drift-failed',
          workerImage: moving,
          // What the slot keeps: the old pin, still verified and launchable.
          workerImageStatus: 'verified',
          workerImageDigest: pinA,
          finding: expect.objectContaining({ status: 'failed', reason: expect.stringMatching(/git --version/) }),
        }),
      ]);
      expect(cli.store().project('acme')).toMatchObject({ worker_image: moving, status: 'verified', digest: pinA });
      const resolve = await cli.run(['resolve', 'acme']);
      expect(resolve.exitCode, explain(resolve)).toBe(0);
      expect(resolve.stdout.trim()).toBe(pinA);
      // The audit trail says what was found (failed, which image) and what was kept.
      const drift = cli.store().audit('acme').filter((a) => a.event === 'validation_failed').at(-1);
      expect(drift).toMatchObject({ from_ref: moving, to_ref: pinA });
      expect(JSON.parse(drift?.detail ?? '{}')).toMatchObject({ outcome: 'drift-failed', keptPin: pinA, tested: pinB, reason: expect.stringMatching(/git --version/) });

      // The tag moves again, to an image that passes: re-pinned to exactly the digest that was tested.
      const digestC = await pushImage(e2e.local['node-new'], moving);
      const pinC = `${e2e.registry}/acme/worker@${digestC}`;
      const again = await cli.run(['validate', 'acme']);
      expect(again.exitCode, explain(again)).toBe(0);
      expect(again.lines.find((line) => line.startsWith('acme  ')), explain(again)).toBe(`acme  verified → ${pinC}  (drifted: ${moving} moved; re-pinned; node v20.11.1 → v22.3.0)`);
      expect(cli.store().project('acme')).toMatchObject({ status: 'verified', digest: pinC });
      await expectNoLeftovers(cli);
    });
  });

  describe('the command surface', () => {
    it("ref --json prints one object per reference with Docker's fields, and exits 2 when one is invalid", async () => {
      const cli = await tempCli();
      const r = await cli.run(['ref', 'alpine', 'Bad Ref!', '--json']);
      expect(r.exitCode, explain(r)).toBe(2);
      const [alpine, bad, ...rest] = jsonLines(r);
      expect(rest).toEqual([]);
      const fields = ['digest', 'domain', 'error', 'familiar', 'input', 'normalized', 'path', 'tag', 'valid'];
      expect(Object.keys(alpine ?? {}).sort()).toEqual(fields);
      expect(Object.keys(bad ?? {}).sort()).toEqual(fields);
      expect(alpine).toEqual({
        input: 'alpine',
        valid: true,
        error: null,
        domain: 'docker.io',
        path: 'library/alpine',
        tag: null,
        digest: null,
        normalized: 'docker.io/library/alpine',
        familiar: 'alpine',
      });
      expect(bad).toMatchObject({ input: 'Bad Ref!', valid: false, error: expect.stringMatching(/invalid reference format/), domain: null, normalized: null });
      expect(cli.store().exists).toBe(false);
    });

    it('--help on every command exits 0 and touches no store; --version prints the package version', async () => {
      const cli = await tempCli();
      const commands = [
        [],
        ['set'],
        ['clear'],
        ['show'],
        ['list'],
        ['validate'],
        ['resolve'],
        ['defaults'],
        ['defaults', 'set'],
        ['defaults', 'clear'],
        ['ref'],
        ['create'],
        ['update'],
        ['delete'],
        ['history'],
        ['operators'],
        ['operators', 'list'],
        ['operators', 'grant'],
        ['operators', 'revoke'],
      ];
      const results = await Promise.all(commands.map((c) => cli.run([...c, '--help'], { env: ENGINE_DOWN })));
      results.forEach((r, i) => {
        const name = ['cascade-image', ...(commands[i] ?? [])].join(' ');
        expect(r.exitCode, `${name} --help\n${explain(r)}`).toBe(0);
        expect(r.stdout, name).toMatch(new RegExp(`^Usage: ${name.replace(/^cascade-image /, 'cascade-image (.* )?')}`, 'm'));
      });
      expect(readdirSync(cli.dir)).toEqual([]);

      const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
      for (const flag of ['--version', '-V']) {
        const v = await cli.run([flag]);
        expect(v.exitCode, explain(v)).toBe(0);
        expect(v.stdout).toBe(pkg.version);
      }
    });

    it('usage mistakes on a subcommand exit 2 (bad input), like they do on the top-level command', async () => {
      const cli = await tempCli();
      const mistakes = [
        ['--no-such-flag'],
        ['no-such-command'],
        ['set', 'acme'],
        ['set', 'acme', e2e.images.good, '--no-such-flag'],
        ['operators', 'grant', 'bob'],
        ['operators', 'grant', 'bob', '--role', 'king'],
      ];
      for (const args of mistakes) {
        const r = await cli.run(args, { env: ENGINE_DOWN });
        expect(r.exitCode, `cascade-image ${args.join(' ')}\n${explain(r)}`).toBe(2);
        expect(r.stderr).toMatch(/^error: /m);
      }
      expect(cli.store().exists).toBe(false);
    });
  });
});
