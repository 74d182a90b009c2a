// The faults of issue 4, staged for real: the BUILT binary against the real engine and registry.
// One test per row of README's "Faults" table, named `fault: <first cell of the row>`
// (test/readme-faults.test.ts keeps the two in step). The engine is shared with other suites:
// every container assertion is scoped to this file's own runs (run-id label), own labels or own
// project names, and everything created here is removed again.
//
// Store-agnostic: the e2e-postgres project runs this file again with every sandbox's store a
// PostgreSQL schema. The faults of the SQLite store file are in faults-sqlite.test.ts.
//
// Already covered in cli.test.ts and not repeated here: a single SIGINT/SIGTERM (exit code and
// stored reason), an engine that is not there at all (DOCKER_HOST to a missing socket), a registry
// that is down, an unknown tag, the basic no-bash and hang verdicts. The tests below add what those
// leave out.
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { DEFAULT_ACTOR, dockerOk, explain, jsonLines, MANAGED_LABEL, tempCli, type CliProcess } from './support/cli.js';
import {
  buildImage,
  cleanUpRunsOf,
  containersWithLabel,
  createEventsOfRun,
  ImageJanitor,
  ndjson,
  nonce,
  pushForeignPlatformList,
  RUN_ID_LABEL,
  sleep,
  slowDockerfile,
  startEngineProxy,
  TEST_LABEL,
  variantDockerfile,
  waitForSmokeContainer,
  watchPeakRss,
} from './support/faults.js';
import { pushRelabelledPlatform } from './support/platform.js';
import { pushImage, startRegistry } from './support/registry.js';

const e2e = inject('e2e');
const pinnedGood = () => `${e2e.registry}/acme/worker@${e2e.digests.good}`;
/** How long the slow image's `cascade-tools --version` sleeps: long enough to act while it runs. */
const SLOW_SECONDS = 6;
/** The hang image's verdict: its first check never ends, so it and every later one are unfinished. */
const HANG_TIMEOUT = (after: string) => new RegExp(`^acme {2}failed: smoke-test timed out after ${after} \\(unfinished: cascade-tools --version(, |\\)$)`);
const LOCKED = /SQLITE_BUSY|SQLITE_LOCKED|database is locked|stayed locked/i;

/** The process's result once it ended (execa resolves, never rejects: reject is false). */
async function finished(proc: CliProcess) {
  const r = await proc;
  return { exitCode: r.exitCode ?? -1, signal: r.signal, stdout: String(r.stdout), stderr: String(r.stderr), all: String(r.all) };
}
const lines = (text: string) => (text === '' ? [] : text.split('\n'));

describe.skipIf(!e2e.engine)('faults (README "Faults"), against the real engine', () => {
  const janitor = new ImageJanitor();
  /** A worker image that passes every check, but only after SLOW_SECONDS. */
  let slowLocal = '';

  beforeAll(async () => {
    slowLocal = `cascade-faults-${nonce()}/slow:latest`;
    await buildImage(janitor, slowLocal, slowDockerfile(SLOW_SECONDS), { BASE: e2e.local.good });
  });
  afterAll(async () => {
    await janitor.removeAll();
  });

  /** Pushes `local` as `<registry>/acme/<repo>:1`; the tag is removed locally again when the file ends. */
  async function pushed(local: string, repo: string): Promise<{ ref: string; digest: string; pin: string }> {
    const ref = janitor.track(`${e2e.registry}/acme/${repo}:1`);
    const digest = await pushImage(local, ref);
    // The pushed image keeps a `repo@digest` reference after its tag is gone: remove that too.
    const pin = janitor.track(`${e2e.registry}/acme/${repo}@${digest}`);
    return { ref, digest, pin };
  }

  // --- signals ----------------------------------------------------------------------------------

  it('fault: Ctrl-C / SIGTERM during a validation', async () => {
    // Three interrupted `set`s at once, each with its own store: SIGINT, SIGTERM, and SIGINT twice.
    const cases = [
      { name: 'sigint', signals: ['SIGINT'], code: 130 },
      { name: 'sigterm', signals: ['SIGTERM'], code: 143 },
      { name: 'twice', signals: ['SIGINT', 'SIGINT'], code: 130 },
    ] as const;
    const runs = await Promise.all(
      cases.map(async (c) => {
        const cli = await tempCli();
        cleanUpRunsOf(() => cli.store());
        const proc = cli.spawn(['set', 'acme', e2e.images.hang, '--create', '--timeout', '10m']);
        const { run, containerId } = await waitForSmokeContainer(cli.store(), 'acme');
        const exited = new Promise<number>((resolve) => proc.once('exit', () => resolve(performance.now())));
        let lastSignalAt = 0;
        for (const [i, signal] of c.signals.entries()) {
          if (i > 0) await sleep(50);
          proc.kill(signal);
          lastSignalAt = performance.now();
        }
        const result = await finished(proc);
        return { ...c, cli, run, containerId, result, afterLastSignalMs: (await exited) - lastSignalAt };
      }),
    );

    for (const { name, signals, code, cli, run, result, afterLastSignalMs } of runs) {
      const why = `${name}\n${result.all}`;
      expect(result.exitCode, why).toBe(code);
      // Exits promptly: the hung check would have kept it for 10 minutes.
      expect(afterLastSignalMs, why).toBeLessThan(20_000);
      expect(result.stderr, why).toContain(`${signals[0]} received`);
      const project = cli.store().project('acme');
      if (name !== 'twice') {
        expect(lines(result.stdout), why).toEqual([`acme  pending  ${e2e.images.hang}`, `acme  failed: interrupted (${signals[0]})`]);
        expect(project, why).toMatchObject({ status: 'failed', digest: null, error: `interrupted (${signals[0]})` });
        expect(cli.store().runs('acme'), why).toEqual([expect.objectContaining({ run_id: run.run_id, outcome: 'failed', finished_at: expect.any(String) })]);
        // The smoke container was killed and removed.
        expect(await containersWithLabel(RUN_ID_LABEL, run.run_id), why).toEqual([]);
        continue;
      }
      // The second Ctrl-C quit at once: the project may still be pending, never anything worse.
      expect(['failed', 'pending'], why).toContain(project?.status);
      expect(project?.digest ?? null, why).toBeNull();
      if (project?.status === 'failed') {
        expect(project.error, why).toBe('interrupted (SIGINT)');
      } else {
        // Then `show` calls it abandoned and `validate --stale` finishes the job.
        const show = await cli.run(['show', 'acme']);
        expect(show.exitCode, explain(show)).toBe(0);
        expect(show.stdout, explain(show)).toMatch(/abandoned/);
        const stale = await cli.run(['validate', '--stale', '--timeout', '2s']);
        expect(stale.exitCode, explain(stale)).toBe(1);
        expect(stale.lines.find((line) => line.startsWith('acme  ')), explain(stale)).toMatch(HANG_TIMEOUT('2s'));
        expect(cli.store().project('acme'), explain(stale)).toMatchObject({ status: 'failed', digest: null });
      }
      // Whatever container the second Ctrl-C left behind, cleanup removes it.
      const clean = await cli.run(['cleanup']);
      expect(clean.exitCode, explain(clean)).toBe(0);
      expect(await containersWithLabel(RUN_ID_LABEL, run.run_id), why).toEqual([]);
    }
  });

  it('fault: `kill -9` or power loss mid-run', async () => {
    const cli = await tempCli();
    cleanUpRunsOf(() => cli.store());
    const foreign = `cascade-faults-${nonce()}`;
    const proc = cli.spawn(['set', 'acme', e2e.images.hang, '--create', '--timeout', '10m']);
    const { run, containerId } = await waitForSmokeContainer(cli.store(), 'acme');
    proc.kill('SIGKILL');
    const killed = await finished(proc);
    expect(killed.signal, killed.all).toBe('SIGKILL');
    expect(lines(killed.stdout)).toEqual([`acme  pending  ${e2e.images.hang}`]);

    // The run stopped without a result: pending, and its container is still there.
    expect(cli.store().project('acme')).toMatchObject({ status: 'pending', digest: null, error: null, generation: 1 });
    expect(cli.store().runs('acme')).toEqual([expect.objectContaining({ run_id: run.run_id, finished_at: null, outcome: null })]);
    expect(await containersWithLabel(RUN_ID_LABEL, run.run_id)).toEqual([containerId]);

    const show = await cli.run(['show', 'acme']);
    expect(show.exitCode, explain(show)).toBe(0);
    expect(show.lines[0]).toBe(`acme  pending  ${e2e.images.hang}`);
    expect(show.stdout).toMatch(/abandoned.*validate --stale/);
    const json = await cli.run(['show', 'acme', '--json']);
    expect(json.exitCode, explain(json)).toBe(0);
    const shown = JSON.parse(json.stdout) as { data: { workerImageStatus: string; abandoned: string | null } };
    expect(shown.data.workerImageStatus).toBe('pending');
    expect(shown.data.abandoned).toEqual(expect.stringContaining(run.run_id));
    expect(shown.data.abandoned).toMatch(/gone/);

    // validate --stale takes the abandoned run over: the project is no longer pending.
    const stale = await cli.run(['validate', '--stale', '--timeout', '3s']);
    expect(stale.exitCode, explain(stale)).toBe(1);
    expect(stale.lines.find((line) => line.startsWith('acme  ')), explain(stale)).toMatch(HANG_TIMEOUT('3s'));
    expect(cli.store().project('acme')).toMatchObject({ status: 'failed', digest: null, error: expect.stringMatching(/^smoke-test timed out after 3s/) });
    const again = await cli.run(['show', 'acme', '--json']);
    expect((JSON.parse(again.stdout) as { data: { abandoned: unknown } }).data.abandoned).toBeNull();

    // A container that is not ours (no managed label), created next to the orphan.
    const other = (await dockerOk(['create', '--label', `${TEST_LABEL}=${foreign}`, e2e.local.good, 'true'])).trim();
    onTestFinished(async () => {
      await dockerOk(['rm', '-f', other]).catch(() => undefined);
    });

    // cleanup --dry-run lists the orphan as would-remove, and nothing is removed.
    const dry = await cli.run(['cleanup', '--dry-run', '--json']);
    expect(dry.exitCode, explain(dry)).toBe(0);
    const listed = (JSON.parse(dry.stdout) as { data: { containers: Array<{ id: string; runId: string | null; action: string }> } }).data.containers;
    expect(listed.filter((c) => c.runId === run.run_id)).toEqual([expect.objectContaining({ id: containerId, action: 'would-remove' })]);
    expect(listed.map((c) => c.id)).not.toContain(other);
    expect(await containersWithLabel(RUN_ID_LABEL, run.run_id)).toEqual([containerId]);

    const human = await cli.run(['cleanup', '--dry-run']);
    expect(human.lines).toContain(`${containerId.slice(0, 12)}  would-remove  acme  its run can no longer deliver a result`);

    // cleanup removes it; the container without our label is never touched.
    const clean = await cli.run(['cleanup', '--json']);
    expect(clean.exitCode, explain(clean)).toBe(0);
    const removed = (JSON.parse(clean.stdout) as { data: { containers: Array<{ id: string; runId: string | null; action: string }> } }).data.containers;
    expect(removed.filter((c) => c.runId === run.run_id)).toEqual([expect.objectContaining({ id: containerId, action: 'removed' })]);
    expect(removed.map((c) => c.id)).not.toContain(other);
    expect(await containersWithLabel(RUN_ID_LABEL, run.run_id)).toEqual([]);
    expect(await containersWithLabel(TEST_LABEL, foreign)).toEqual([other]);
  });

  it('fault: leftover containers', async () => {
    // Containers that look like ours (managed label) from runs this store never knew, e.g. another
    // store's crashed run: one whose expiry passed, one that has not expired yet.
    const cli = await tempCli();
    cleanUpRunsOf(() => cli.store());
    const mark = `cascade-faults-${nonce()}`;
    const fake = async (runId: string, expiresAt: Date) =>
      (
        await dockerOk([
          'create',
          '--label', `${TEST_LABEL}=${mark}`,
          '--label', `${MANAGED_LABEL}=true`,
          '--label', `${RUN_ID_LABEL}=${runId}`,
          '--label', `io.cascade-image.project=${mark}`,
          '--label', `io.cascade-image.created-at=${new Date(Date.now() - 3_600_000).toISOString()}`,
          '--label', `io.cascade-image.expires-at=${expiresAt.toISOString()}`,
          e2e.local.good,
          'true',
        ])
      ).trim();
    const expiredRun = `${mark}-expired`;
    const liveRun = `${mark}-live`;
    const expired = await fake(expiredRun, new Date(Date.now() - 60_000));
    const live = await fake(liveRun, new Date(Date.now() + 3_600_000));
    const foreign = (await dockerOk(['create', '--label', `${TEST_LABEL}=${mark}`, e2e.local.good, 'true'])).trim();
    onTestFinished(async () => {
      const left = await containersWithLabel(TEST_LABEL, mark).catch(() => []);
      if (left.length > 0) await dockerOk(['rm', '-f', ...left]).catch(() => undefined);
    });

    expect((await cli.run(['set', 'acme', e2e.images.good, '--create', '--no-validate'])).exitCode).toBe(0);
    const dry = await cli.run(['cleanup', '--dry-run', '--json']);
    expect(dry.exitCode, explain(dry)).toBe(0);
    const listed = (JSON.parse(dry.stdout) as { data: { containers: Array<{ id: string; runId: string | null; action: string; why: string }> } }).data.containers;
    expect(listed.filter((c) => c.runId === liveRun)).toEqual([expect.objectContaining({ id: live, action: 'kept', why: expect.stringMatching(/has not expired/) })]);
    const expiredItem = listed.find((c) => c.runId === expiredRun);
    if (expiredItem !== undefined) {
      expect(expiredItem).toMatchObject({ id: expired, action: 'would-remove', why: expect.stringMatching(/expiry has passed/) });
      expect(await containersWithLabel(RUN_ID_LABEL, expiredRun), 'a dry run removes nothing').toEqual([expired]);
    } else {
      // The engine is shared: another suite's validation swept it first, which is what sweeps are for.
      expect(await containersWithLabel(RUN_ID_LABEL, expiredRun)).toEqual([]);
    }
    expect(listed.map((c) => c.id)).not.toContain(foreign);
    expect(await containersWithLabel(TEST_LABEL, mark)).toEqual(expect.arrayContaining([live, foreign]));

    // Every run sweeps expired containers of ours before its own smoke-test.
    const since = new Date();
    const v = await cli.run(['validate', 'acme']);
    expect(v.exitCode, explain(v)).toBe(0);
    const runId = cli.store().runs('acme').at(-1)?.run_id ?? '';
    expect(await createEventsOfRun(since, runId)).toHaveLength(1); // it did run a container
    expect(await containersWithLabel(RUN_ID_LABEL, expiredRun)).toEqual([]);
    expect(await containersWithLabel(RUN_ID_LABEL, liveRun)).toEqual([live]);
    expect(await containersWithLabel(TEST_LABEL, mark)).toEqual(expect.arrayContaining([live, foreign]));

    // A plain cleanup keeps what another live run may still own, and never touches the rest.
    const clean = await cli.run(['cleanup', '--json']);
    expect(clean.exitCode, explain(clean)).toBe(0);
    expect(await containersWithLabel(RUN_ID_LABEL, liveRun)).toEqual([live]);
    expect((await containersWithLabel(TEST_LABEL, mark)).sort()).toEqual([live, foreign].sort());
  });

  // --- the engine and the registry --------------------------------------------------------------

  it('fault: engine unreachable, or it stops mid-pull', async () => {
    // (An engine that is not there at all is in cli.test.ts.) Here the engine goes away while the
    // pull is streaming: the CLI talks to it through a unix-socket proxy that forwards the pull
    // response's headers, holds the rest back (so the cut is surely mid-stream), then either stops
    // (the daemon stopped) or only cuts the open connections (the daemon restarted).
    const cli = await tempCli();
    cleanUpRunsOf(() => cli.store());
    for (const how of ['stopped', 'restarted'] as const) {
      const n = nonce();
      const local = `cascade-faults-${n}/pull:latest`;
      await buildImage(janitor, local, variantDockerfile(n), { BASE: e2e.local.good });
      const image = await pushed(local, `pull-${n}`);
      // Not present locally: the validation has to pull it.
      await dockerOk(['image', 'rm', image.ref, local]);

      const proxy = await startEngineProxy();
      const project = `pull-${how}-${n}`;
      const proc = cli.spawn(['set', project, image.ref, '--create'], { env: { DOCKER_HOST: proxy.url } });
      await Promise.race([
        proxy.pullStarted,
        finished(proc).then((r) => {
          throw new Error(`exited before pulling:\n${r.all}`);
        }),
      ]);
      await sleep(200);
      if (how === 'stopped') await proxy.stop();
      else proxy.cut();
      const r = await finished(proc);
      const why = `${how}\n${r.all}`;

      expect(r.exitCode, why).toBe(69);
      expect(lines(r.stdout), why).toEqual([
        `${project}  pending  ${image.ref}`,
        expect.stringMatching(new RegExp(`^${project} {2}failed: Docker engine unreachable at ${proxy.url}`)),
      ]);
      expect(cli.store().project(project), why).toMatchObject({ status: 'failed', digest: null, error: expect.stringMatching(/^Docker engine unreachable/) });
      expect(cli.store().runs(project), why).toEqual([expect.objectContaining({ outcome: 'failed', finished_at: expect.any(String) })]);
      expect(cli.store().audit(project).at(-1), why).toMatchObject({ event: 'validation_failed' });
      await proxy.stop();
    }
  });

  it('fault: registry down / unknown tag / denied', async () => {
    // (Down and unknown tag are in cli.test.ts.) Denied: a private registry and no credentials.
    const registry = await startRegistry({ htpasswd: { user: 'faults', password: `pw-${nonce()}` } });
    onTestFinished(() => registry.stop());
    const ref = janitor.track(registry.ref('acme/private', '1'));
    janitor.track(`${registry.host}/acme/private@${await pushImage(e2e.local.good, ref, { auth: registry.auth })}`);
    const cli = await tempCli();
    cleanUpRunsOf(() => cli.store());
    const noCredentials = await fsp.mkdtemp(path.join(os.tmpdir(), 'cascade-faults-nocreds-'));
    onTestFinished(() => fsp.rm(noCredentials, { recursive: true, force: true }));

    const r = await cli.run(['set', 'acme', ref, '--create'], { env: { DOCKER_CONFIG: noCredentials } });
    expect(r.exitCode, explain(r)).toBe(1);
    expect(r.lines).toEqual([`acme  pending  ${ref}`, expect.stringMatching(new RegExp(`^acme {2}failed: pull denied for ${ref}: `))]);
    expect(cli.store().project('acme')).toMatchObject({ status: 'failed', digest: null, error: expect.stringMatching(/^pull denied/) });
    expect(cli.store().runs('acme')).toEqual([expect.objectContaining({ outcome: 'failed' })]);
    // Nothing was smoke-tested: no container for that run.
    expect(await containersWithLabel(RUN_ID_LABEL, cli.store().runs('acme')[0]?.run_id ?? '')).toEqual([]);
  });

  it('fault: image without bash', async () => {
    // (The verdict itself is in cli.test.ts.) The JSON event names the cause; the verdict is a
    // property of the image, so it is remembered: validating again runs no container.
    const cli = await tempCli();
    cleanUpRunsOf(() => cli.store());
    const r = await cli.run(['set', 'acme', e2e.images['no-bash'], '--create', '--json']);
    expect(r.exitCode, explain(r)).toBe(1);
    expect(jsonLines(r).at(-1)).toMatchObject({ event: 'failed', cause: 'no-bash', workerImageStatus: 'failed', workerImageError: expect.stringMatching(/^image has no bash/), stored: true });
    const resolve = await cli.run(['resolve', 'acme']);
    expect(resolve.exitCode, explain(resolve)).toBe(1);
    expect(resolve.stderr).toMatch(/has no bash/);

    const since = new Date();
    const v = await cli.run(['validate', 'acme']);
    expect(v.exitCode, explain(v)).toBe(1);
    expect(v.lines.find((line) => line.startsWith('acme  '))).toMatch(/^acme {2}failed: image has no bash/);
    const second = cli.store().runs('acme').at(-1)?.run_id ?? '';
    expect(await createEventsOfRun(since, second)).toEqual([]);
  });

  it('fault: a check that hangs', async () => {
    // (One timeout is in cli.test.ts.) A timeout may be the machine's fault, not the image's: it is
    // not remembered, so validating again runs the container again; each one is killed and removed.
    const cli = await tempCli();
    cleanUpRunsOf(() => cli.store());
    const since = new Date();
    const r = await cli.run(['set', 'acme', e2e.images.hang, '--create', '--timeout', '2s']);
    expect(r.exitCode, explain(r)).toBe(1);
    expect(r.lines[1]).toMatch(HANG_TIMEOUT('2s'));
    const v = await cli.run(['validate', 'acme', '--timeout', '2s']);
    expect(v.exitCode, explain(v)).toBe(1);
    expect(v.lines.find((line) => line.startsWith('acme  '))).toMatch(HANG_TIMEOUT('2s'));
    const runs = cli.store().runs('acme');
    expect(runs).toHaveLength(2);
    for (const run of runs) {
      expect(run).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/^smoke-test timed out after 2s/) });
      expect(await createEventsOfRun(since, run.run_id)).toHaveLength(1);
      expect(await containersWithLabel(RUN_ID_LABEL, run.run_id)).toEqual([]);
    }
    expect(cli.store().project('acme')).toMatchObject({ status: 'failed', digest: null });
  });

  it('fault: output flood', async () => {
    // The flood image's `node --version` prints ~50 MB. The CLI's memory stays flat and what it
    // keeps is capped (2 KiB per check, 64 KiB in all).
    const cli = await tempCli();
    cleanUpRunsOf(() => cli.store());
    const proc = cli.spawn(['set', 'acme', e2e.images.flood, '--create']);
    const rss = watchPeakRss(proc.pid ?? 0);
    const r = await finished(proc);
    const peakKb = rss.stop();

    expect(r.exitCode, r.all).toBe(0);
    expect(lines(r.stdout)).toEqual([`acme  pending  ${e2e.images.flood}`, `acme  verified → ${e2e.registry}/acme/worker@${e2e.digests.flood}`]);
    expect(peakKb, 'peak RSS sampled').toBeGreaterThan(10_000);
    expect(peakKb / 1024, `peak RSS ${(peakKb / 1024).toFixed(1)} MiB`).toBeLessThan(150);
    expect(r.all.length).toBeLessThan(10_000);

    const [run] = cli.store().runs('acme');
    expect(run).toMatchObject({ outcome: 'verified' });
    const checks = cli.store().query<{ checks: string | null }>('select checks from validation_runs where run_id = ?', run?.run_id)[0]?.checks ?? '';
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.length).toBeLessThan(64 * 1024 + 8 * 1024);
    const results = (JSON.parse(checks) as { results: Array<{ label: string; output: string }> }).results;
    const node = results.find((c) => c.label === 'node --version');
    expect(node?.output.length ?? 0).toBeGreaterThan(0);
    for (const check of results) expect(Buffer.byteLength(check.output), check.label).toBeLessThanOrEqual(2048 + 256);
    const cached = cli.store().query<{ results: string }>('select results from smoke_results');
    expect(cached).toHaveLength(1);
    expect(cached[0]?.results.length ?? 0).toBeLessThan(64 * 1024 + 8 * 1024);
  });

  // --- concurrency ------------------------------------------------------------------------------

  it('fault: two `set`s racing on one project', async () => {
    const cli = await tempCli();
    cleanUpRunsOf(() => cli.store());
    const slow = await pushed(slowLocal, `slow-${nonce()}`);

    const first = cli.spawn(['set', 'acme', slow.ref, '--create']);
    const { run: firstRun } = await waitForSmokeContainer(cli.store(), 'acme');
    const second = await cli.run(['set', 'acme', e2e.images.good]);
    // The race is only staged if the first one was still validating when the second changed the project.
    expect(first.exitCode, 'the slow validation was still running when the second set finished').toBeNull();
    const earlier = await finished(first);

    expect(second.exitCode, explain(second)).toBe(0);
    expect(second.lines).toEqual([`acme  pending  ${e2e.images.good}`, `acme  verified → ${pinnedGood()}`]);
    expect(earlier.exitCode, earlier.all).toBe(1);
    expect(lines(earlier.stdout)).toEqual([
      `acme  pending  ${slow.ref}`,
      `acme  stale: dropped the result for ${slow.ref} (verified ${slow.pin}); the project changed while it was validated`,
    ]);

    // The later reference with its own verdict; the earlier result is not stored.
    expect(cli.store().project('acme')).toMatchObject({ worker_image: e2e.images.good, status: 'verified', digest: pinnedGood(), generation: 2 });
    const runs = cli.store().runs('acme');
    expect(runs.find((run) => run.run_id === firstRun.run_id)).toMatchObject({ generation: 1, reference: slow.ref, outcome: 'stale' });
    const audit = cli.store().audit('acme').map((a) => [a.event, a.from_ref, a.to_ref]);
    expect(audit).toEqual([
      ['project_worker_image_changed', null, slow.ref],
      ['project_worker_image_changed', slow.ref, e2e.images.good],
      ['validation_verified', e2e.images.good, pinnedGood()],
      ['validation_stale', slow.ref, expect.anything()],
    ]);
    const resolve = await cli.run(['resolve', 'acme']);
    expect(resolve.stdout).toBe(pinnedGood());
  });

  it('fault: 20 processes on one store at once', async () => {
    // First, five processes that all find no store yet and create it together.
    const fresh = await tempCli();
    const creators = await Promise.all(Array.from({ length: 5 }, (_, i) => fresh.run(['set', `f${i}`, e2e.images.good, '--create', '--no-validate'])));
    for (const r of creators) {
      expect(r.exitCode, explain(r)).toBe(0);
      expect(r.all).not.toMatch(LOCKED);
    }
    expect(fresh.store().audit().filter((a) => a.event === 'operator_granted')).toHaveLength(1);
    expect(fresh.store().audit().filter((a) => a.event === 'project_worker_image_changed')).toHaveLength(5);
    expect(fresh.store().operators()).toEqual([expect.objectContaining({ actor: DEFAULT_ACTOR, role: 'superadmin' })]);

    // Then twenty at once on one existing store: writers, validators and readers mixed.
    const cli = await tempCli();
    cleanUpRunsOf(() => cli.store());
    const refs = ['a', 'b', 'c'].map((t) => `${e2e.registry}/acme/worker:${t}`); // never pulled: --no-validate
    for (const args of [
      ['set', 'shared', refs[0] ?? '', '--create', '--no-validate'],
      ...[1, 2, 3].map((i) => ['set', `v${i}`, e2e.images.good, '--create', '--no-validate']),
    ]) {
      const r = await cli.run(args);
      expect(r.exitCode, explain(r)).toBe(0);
    }
    const auditBefore = cli.store().audit().length;

    type Job = { args: string[]; expect: number };
    const jobs: Job[] = [
      ...Array.from({ length: 10 }, (_, i) => ({ args: ['set', `p${String(i).padStart(2, '0')}`, e2e.images.good, '--create', '--no-validate'], expect: 0 })),
      { args: ['set', 'shared', refs[1] ?? '', '--no-validate'], expect: 0 },
      { args: ['set', 'shared', refs[2] ?? '', '--no-validate'], expect: 0 },
      ...[1, 2, 3].map((i) => ({ args: ['validate', `v${i}`], expect: 0 })),
      { args: ['show', 'v1'], expect: 0 },
      { args: ['show', 'shared', '--json'], expect: 0 },
      { args: ['list'], expect: 0 },
      { args: ['history'], expect: 0 },
      { args: ['history', 'shared', '--json'], expect: 0 },
    ];
    expect(jobs).toHaveLength(20);
    const results = await Promise.all(jobs.map((job) => cli.run(job.args)));
    results.forEach((r, i) => {
      const job = jobs[i] as Job;
      const why = `cascade-image ${job.args.join(' ')}\n${explain(r)}`;
      expect(r.all, why).not.toMatch(LOCKED);
      expect(r.exitCode, why).toBe(job.expect);
    });
    // Three validations of one image at once: each smoke-tests it (SQLite: no lock across processes),
    // or one does while the others wait and take its remembered verdict (PostgreSQL: a lock per image).
    results.slice(12, 15).forEach((r, i) => {
      const verdict = r.lines.find((line) => line.startsWith(`v${i + 1}  `));
      expect([`v${i + 1}  verified → ${pinnedGood()}`, `v${i + 1}  verified → ${pinnedGood()}  (cached verdict: no container ran)`], explain(r)).toContain(verdict);
    });

    // Every project's final state is consistent.
    const store = cli.store();
    for (let i = 0; i < 10; i++) {
      expect(store.project(`p${String(i).padStart(2, '0')}`)).toMatchObject({ worker_image: e2e.images.good, status: 'pending', generation: 1, digest: null });
    }
    for (const i of [1, 2, 3]) {
      expect(store.project(`v${i}`)).toMatchObject({ worker_image: e2e.images.good, status: 'verified', digest: pinnedGood(), generation: 1 });
    }
    // No lost update on the shared project: three changes, three generations, an unbroken chain.
    const shared = store.audit('shared').filter((a) => a.event === 'project_worker_image_changed');
    expect(shared).toHaveLength(3);
    expect(shared[0]).toMatchObject({ from_ref: null, to_ref: refs[0] });
    expect(shared[2]?.from_ref).toBe(shared[1]?.to_ref);
    expect(shared[1]?.from_ref).toBe(refs[0]);
    expect(new Set(shared.slice(1).map((a) => a.to_ref))).toEqual(new Set([refs[1], refs[2]]));
    expect(store.project('shared')).toMatchObject({ worker_image: shared[2]?.to_ref, status: 'pending', generation: 3 });

    // Exactly the rows the commands should have written: 12 changes and 3 verdicts, nothing lost.
    const added = store.audit().slice(auditBefore);
    expect(added).toHaveLength(15);
    expect(added.filter((a) => a.event === 'project_worker_image_changed').map((a) => a.project_id).sort()).toEqual(
      [...Array.from({ length: 10 }, (_, i) => `p${String(i).padStart(2, '0')}`), 'shared', 'shared'].sort(),
    );
    expect(added.filter((a) => a.event === 'validation_verified').map((a) => a.project_id).sort()).toEqual(['v1', 'v2', 'v3']);
    expect(store.runs().every((run) => run.finished_at !== null)).toBe(true);
  });

  // --- what is actually tested ------------------------------------------------------------------

  it('fault: the tag moves while a validation runs', async () => {
    const cli = await tempCli();
    cleanUpRunsOf(() => cli.store());
    const since = new Date();
    const slow = await pushed(slowLocal, `moving-${nonce()}`);
    const repo = slow.ref.slice(e2e.registry.length + 1, -':1'.length);

    const proc = cli.spawn(['set', 'acme', slow.ref, '--create', '--json']);
    const events = ndjson(proc);
    const pinned = await events.waitFor((e) => e.event === 'pinned');
    expect(pinned.workerImageDigest).toBe(slow.pin);

    // Someone pushes another image under the same tag while the slow smoke-test runs.
    const moved = await pushImage(e2e.local.good, slow.ref);
    janitor.track(`${e2e.registry}/${repo}@${moved}`);
    expect(moved).not.toBe(slow.digest);
    expect(proc.exitCode, 'the validation was still running when the tag moved').toBeNull();
    const r = await finished(proc);

    expect(r.exitCode, r.all).toBe(0);
    expect(events.events.at(-1)).toMatchObject({ event: 'verified', workerImageDigest: slow.pin, stored: true });
    expect(cli.store().project('acme')).toMatchObject({ status: 'verified', digest: slow.pin });
    expect(cli.store().project('acme')?.digest).not.toBe(`${e2e.registry}/${repo}@${moved}`);
    // The container ran the pinned digest, never the tag.
    const [run] = cli.store().runs('acme');
    const created = await createEventsOfRun(since, run?.run_id ?? '');
    expect(created.map((e) => e.Actor.Attributes.image)).toEqual([slow.pin]);
  });

  it("fault: image not built for this engine's platform", async () => {
    // A manifest list with only linux/arm64 and linux/s390x images (this engine is linux/amd64, or at
    // least not both). `docker import --platform` is ignored by this engine (20.10): the images are
    // built with the legacy builder's `--platform` instead.
    const cli = await tempCli();
    cleanUpRunsOf(() => cli.store());
    const version = JSON.parse(await dockerOk(['version', '--format', '{{json .Server}}'])) as { Arch: string };
    expect(['arm64', 's390x']).not.toContain(version.Arch);
    const list = await pushForeignPlatformList(janitor, e2e.registry, `acme/multi-${nonce()}`, '1');
    janitor.track(list);

    const r = await cli.run(['set', 'acme', list, '--create']);
    expect(r.exitCode, explain(r)).toBe(1);
    expect(r.lines).toEqual([`acme  pending  ${list}`, expect.stringMatching(/^acme {2}failed: no image for this engine's platform: .*no matching manifest/)]);
    expect(cli.store().project('acme')).toMatchObject({ status: 'failed', digest: null, error: expect.stringMatching(/^no image for this engine's platform/) });
    expect(await containersWithLabel(RUN_ID_LABEL, cli.store().runs('acme')[0]?.run_id ?? '')).toEqual([]);
  });

  it('fault: a single-platform image of another architecture', async () => {
    // The good image, relabelled linux/arm64/v8 in the registry: same layers, so its smoke-test
    // would pass on this amd64 engine by accident. It must never get that far.
    const cli = await tempCli();
    cleanUpRunsOf(() => cli.store());
    const version = JSON.parse(await dockerOk(['version', '--format', '{{json .Server}}'])) as { Arch: string; Os: string };
    expect(version.Arch).not.toBe('arm64');
    const repo = `acme/arm-${nonce()}`;
    const ref = janitor.track(await pushRelabelledPlatform(e2e.registry, { repo: 'acme/worker', tag: 'good' }, { repo, tag: '1' }, { architecture: 'arm64', variant: 'v8' }));
    const since = new Date();

    const r = await cli.run(['set', 'acme', ref, '--create']);
    expect(r.exitCode, explain(r)).toBe(1);
    const reason = `image is linux/arm64/v8; this engine runs ${version.Os}/${version.Arch}`;
    expect(r.lines).toEqual([`acme  pending  ${ref}`, `acme  failed: ${reason}`]);
    expect(cli.store().project('acme')).toMatchObject({ status: 'failed', digest: null, error: reason });
    const runId = cli.store().runs('acme')[0]?.run_id ?? '';
    expect(await createEventsOfRun(since, runId)).toEqual([]);
  });

  it('fault: an engine set-up that cannot work (DOCKER_HOST, context, config.json, TLS folder)', async () => {
    const cli = await tempCli();
    const good = await cli.run(['set', 'acme', e2e.images.good, '--create']);
    expect(good.exitCode, explain(good)).toBe(0);
    const before = cli.store().project('acme');
    const badConfig = path.join(cli.dir, 'bad-docker-config');
    await fsp.mkdir(badConfig);
    await fsp.writeFile(path.join(badConfig, 'config.json'), '{"currentContext": ');
    const setups: ReadonlyArray<readonly [string, Record<string, string | undefined>, number, RegExp]> = [
      ['a DOCKER_HOST of no known scheme', { DOCKER_HOST: 'garbage://' }, 2, /DOCKER_HOST|garbage/],
      ['a docker context that does not exist', { DOCKER_HOST: undefined, DOCKER_CONTEXT: 'nosuch' }, 2, /nosuch/],
      ['a config.json that is not JSON', { DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined, DOCKER_CONFIG: badConfig }, 2, /config\.json/],
      [
        'DOCKER_TLS_VERIFY with a missing certificate folder',
        { DOCKER_HOST: 'tcp://127.0.0.1:9', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: path.join(cli.dir, 'no-certs') },
        69,
        /no-certs|cert/,
      ],
    ];
    for (const [what, env, code, message] of setups) {
      for (const argv of [
        ['set', 'fresh', e2e.images.good, '--create'],
        ['set', 'acme', e2e.images.hang],
        ['validate', 'acme'],
        ['validate', '--all'],
      ]) {
        const r = await cli.run(argv, { env });
        const why = `${what}: ${argv.join(' ')}\n${explain(r)}`;
        expect(r.exitCode, why).toBe(code);
        expect(r.stderr, why).toMatch(message);
        expect(r.stderr, why).not.toMatch(/this is a bug|^\s+at /m);
        // Refused before anything was stored: no new project, the old pin untouched, never pending.
        expect(cli.store().project('fresh'), why).toBeUndefined();
        expect(cli.store().project('acme'), why).toEqual(before);
      }
    }
  });

  it('fault: numbers and durations out of bounds', async () => {
    const cli = await tempCli();
    await cli.run(['set', 'acme', e2e.images.good, '--create', '--no-validate']);
    const before = cli.store().project('acme');
    const cases: ReadonlyArray<readonly [string[], RegExp]> = [
      [['set', 'acme', e2e.images.good, '--timeout', '600h'], /--timeout must be a duration from 1s to 24h, not "600h"/],
      [['set', 'acme', e2e.images.good, '--timeout', '9999999999h'], /--timeout must be a duration/],
      [['validate', 'acme', '--timeout', '0'], /--timeout must be a duration/],
      [['history', '--since', '99999999999h'], /--since must be a duration/],
      [['history', '--limit', '99999999999999999999'], /--limit must be a whole number from 1 to 1000000/],
      [['history', '--limit', '1e2'], /--limit must be a whole number/],
      [['validate', '--all', '--concurrency', '1e2'], /--concurrency must be a whole number from 1 to 32/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli.run(argv);
      expect(r.exitCode, explain(r)).toBe(2);
      expect(r.stderr, explain(r)).toMatch(message);
      expect(cli.store().project('acme')).toEqual(before);
    }
  });

  it('fault: names and text that could forge lines or drive the terminal', async () => {
    const cli = await tempCli();
    await cli.run(['set', 'acme', e2e.images.good, '--create', '--no-validate']);
    const audit = cli.store().audit().length;
    // (An acting name with control characters, --actor / CASCADE_ACTOR, is SQLite's: see
    // faults-sqlite.test.ts. On PostgreSQL the actor is the authenticated role: postgres-faults.test.ts.)
    for (const argv of [
      ['operators', 'grant', 'ev\nil', '--role', 'viewer'],
      ['--db', '', 'list'],
    ]) {
      const r = await cli.run(argv);
      expect(r.exitCode, explain(r)).toBe(2);
      expect(r.all, explain(r)).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    }
    expect(cli.store().audit()).toHaveLength(audit);
    expect(cli.store().operators().map((o) => o.actor)).not.toContain('ev\nil');
    // Text that is only printed is escaped, never written raw to the terminal.
    const ref = await cli.run(['ref', 'a\u001b]0;x\u0007b']);
    expect(ref.exitCode).toBe(2);
    expect(ref.stdout).toContain('a\\x1b]0;x\\x07b');
    expect(ref.all).not.toMatch(/[\u001b\u0007]/);
  });

  it('fault: an interrupt at any point of a pull or a smoke-test', async () => {
    // Signals at random points: while the pull stream is held back by a proxy, and anywhere from
    // start-up to the middle of the (slow) smoke-test. Each run ends promptly and stores
    // `failed: interrupted (<signal>)`; none is left pending, none is recorded as an engine error.
    const { ref: slowRef } = await pushed(slowLocal, `slow-int-${nonce()}`);
    const attempts: Array<{ signal: 'SIGINT' | 'SIGTERM'; delayMs: number; viaProxy: boolean }> = [];
    for (let i = 0; i < 8; i += 1) {
      attempts.push({ signal: i % 2 === 0 ? 'SIGINT' : 'SIGTERM', delayMs: 300 + Math.floor(Math.random() * 2500), viaProxy: i < 3 });
    }
    for (const attempt of attempts) {
      const cli = await tempCli();
      cleanUpRunsOf(() => cli.store());
      const proxy = attempt.viaProxy ? await startEngineProxy() : undefined;
      const proc = cli.spawn(['set', 'acme', slowRef, '--create'], proxy === undefined ? {} : { env: { DOCKER_HOST: proxy.url } });
      if (proxy !== undefined) await proxy.pullStarted;
      await sleep(proxy === undefined ? attempt.delayMs : attempt.delayMs % 400);
      proc.kill(attempt.signal);
      const t0 = performance.now();
      const result = await finished(proc);
      const why = `${JSON.stringify(attempt)}\n${result.all}`;
      expect(performance.now() - t0, why).toBeLessThan(15_000);
      expect(result.exitCode, why).toBe(attempt.signal === 'SIGINT' ? 130 : 143);
      expect(cli.store().project('acme'), why).toMatchObject({ status: 'failed', digest: null, error: `interrupted (${attempt.signal})` });
      await proxy?.stop();
    }
  });
});
