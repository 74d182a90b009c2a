// Cron re-validation end to end, with the BUILT binary against a registry of this file's own (so
// tags can be re-pushed and manifests deleted freely): remembered verdicts that skip the container,
// tags that move (drifted / drift-failed), images that vanish, a changed check contract, exit codes
// and `--changed-only` output for cron mail, and one pull per distinct reference.
//
// Store-agnostic: the e2e-postgres project runs this file again on PostgreSQL.
//
// The engine is shared with other suites: every container assertion is scoped to the validation runs
// recorded in this test's own store (their run ids label the containers), and pull events to this
// file's registry (its port is ours).
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { explain, jsonLines, leftoverContainers, MANAGED_LABEL, tempCli, type Cli, type CliResult, type EngineEvent } from './support/cli.js';
import { startEngineRecorder } from './support/engine-recorder.js';
import { pushImage, startRegistry, type Registry } from './support/registry.js';

const e2e = inject('e2e');
const RUN = randomBytes(3).toString('hex');
/** Project names unique to this run. */
const name = (what: string) => `rv-${RUN}-${what}`;
const SUMMARY = /^summary: /;
/** A literal for a RegExp. */
const esc = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const docker = (args: string[]) => execa('docker', args, { reject: false, stdin: 'ignore', all: true });

/** Engine events between `since` and now matching the filters (a margin before, exact filter after). */
async function engineEvents(since: Date, filters: string[]): Promise<EngineEvent[]> {
  const secs = (ms: number) => (ms / 1000).toFixed(3);
  const r = await docker([
    'events',
    '--since', secs(since.getTime() - 1000),
    '--until', secs(Date.now() + 100),
    ...filters.flatMap((f) => ['--filter', f]),
    '--format', '{{json .}}',
  ]);
  if (r.exitCode !== 0) throw new Error(`docker events failed: ${r.all}`);
  return r.stdout
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as EngineEvent)
    .filter((event) => event.timeNano / 1e6 >= since.getTime() - 1);
}

/** Smoke containers created since `since` by the validation runs recorded in this store. */
async function ourContainersSince(since: Date, cli: Cli): Promise<EngineEvent[]> {
  const events = await engineEvents(since, ['type=container', 'event=create', `label=${MANAGED_LABEL}=true`]);
  const runIds = new Set(cli.store().runs().map((run) => run.run_id));
  return events.filter((event) => runIds.has(event.Actor.Attributes['io.cascade-image.run-id'] ?? ''));
}

/** Lifecycle lines of one project (`<name>  …`). */
const linesOf = (r: CliResult, project: string) => r.lines.filter((line) => line.startsWith(`${project}  `));
/** The `finished` NDJSON events (verified / failed / stale) of a `--json` run. */
const finished = (r: CliResult) => jsonLines(r).filter((e) => ['verified', 'failed', 'stale'].includes(String(e.event)));
const finishedOf = (r: CliResult, project: string) => finished(r).filter((e) => e.project === project);
/**
 * [project, outcome, cached] of each finished event, by project: runs that share one evaluation
 * finish in whichever order their verdict writes land (on PostgreSQL two connections race for the
 * write lock), so the order of the stream says nothing.
 */
const outcomesByProject = (r: CliResult) =>
  finished(r)
    .map((e) => [e.project, e.outcome, e.cached])
    .sort((x, y) => String(x[0]).localeCompare(String(y[0])));

describe.skipIf(!e2e.engine)('cron re-validation end to end (own registry)', () => {
  let registry: Registry;
  /** Every local reference this file caused (tags it pushed, digests the product pulled): removed at the end. */
  const localRefs = new Set<string>();

  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    if (localRefs.size > 0) await docker(['image', 'rm', ...localRefs]);
    await registry?.stop();
  });

  /** Pushes a fixture variant as <registry>/<repo>:<tag>; returns the pinned form <registry>/<repo>@<digest>. */
  async function push(variant: keyof typeof e2e.local, repo: string, tag = 'current'): Promise<string> {
    const ref = registry.ref(repo, tag);
    const digest = await pushImage(e2e.local[variant], ref);
    const pin = `${registry.host}/${repo}@${digest}`;
    localRefs.add(ref);
    localRefs.add(pin);
    return pin;
  }

  async function pullsOfOurRegistrySince(since: Date): Promise<EngineEvent[]> {
    const events = await engineEvents(since, ['type=image', 'event=pull']);
    return events.filter((event) => event.Actor.ID.startsWith(`${registry.host}/`));
  }

  it('a remembered verdict skips the container: a second project on the same reference, and validate, create none; --fresh runs one', async () => {
    const repo = `rv-${RUN}/cache`;
    const pin = await push('good', repo);
    const ref = registry.ref(repo, 'current');
    const cli = await tempCli();
    const [a, b] = [name('cache-a'), name('cache-b')];

    let since = new Date();
    const first = await cli.run(['set', a, ref, '--create', '--json']);
    expect(first.exitCode, explain(first)).toBe(0);
    expect(finishedOf(first, a)).toEqual([expect.objectContaining({ event: 'verified', cached: false, workerImageDigest: pin })]);
    expect(await ourContainersSince(since, cli)).toHaveLength(1);

    since = new Date();
    const second = await cli.run(['set', b, ref, '--create', '--json']);
    expect(second.exitCode, explain(second)).toBe(0);
    expect(finishedOf(second, b)).toEqual([expect.objectContaining({ event: 'verified', cached: true, workerImageDigest: pin })]);
    expect(await ourContainersSince(since, cli)).toEqual([]);
    expect(cli.store().project(b)).toMatchObject({ status: 'verified', digest: pin });

    since = new Date();
    const human = await cli.run(['validate', a, b]);
    expect(human.exitCode, explain(human)).toBe(0);
    expect(linesOf(human, a)).toEqual([`${a}  verified → ${pin}  (unchanged; cached verdict: no container ran)`]);
    expect(linesOf(human, b)).toEqual([`${b}  verified → ${pin}  (unchanged; cached verdict: no container ran)`]);
    expect(human.lines.at(-1)).toBe('summary: 2 projects, 1 distinct references, 0 containers run, 2 cached verdicts: 2 unchanged');
    const json = await cli.run(['validate', a, b, '--json']);
    expect(json.exitCode, explain(json)).toBe(0);
    expect(outcomesByProject(json)).toEqual([
      [a, 'unchanged', true],
      [b, 'unchanged', true],
    ]);
    expect(await ourContainersSince(since, cli)).toEqual([]);

    since = new Date();
    const fresh = await cli.run(['validate', a, b, '--fresh', '--json']);
    expect(fresh.exitCode, explain(fresh)).toBe(0);
    expect(outcomesByProject(fresh)).toEqual([
      [a, 'unchanged', false],
      [b, 'unchanged', false],
    ]);
    // One distinct (image, contract): one container, shared by both projects.
    expect(await ourContainersSince(since, cli)).toHaveLength(1);
    expect(jsonLines(fresh).at(-1)).toMatchObject({ event: 'summary', projects: 2, distinctReferences: 1, containersRun: 1, cached: 0 });
    expect(await leftoverContainers(cli.store())).toEqual([]);
  });

  it('the tag is re-pushed: a passing image is drifted and re-pinned to the registry’s new digest; a failing one is drift-failed (exit 1) and the old pin stays', async () => {
    const repo = `rv-${RUN}/drift`;
    const pinA = await push('good', repo);
    const ref = registry.ref(repo, 'current');
    const cli = await tempCli();
    const p = name('drift');
    expect((await cli.run(['set', p, ref, '--create'])).exitCode).toBe(0);
    expect(cli.store().project(p)).toMatchObject({ status: 'verified', digest: pinA });

    // A passing image under the same tag.
    const pinB = await push('node-new', repo);
    expect(pinB).not.toBe(pinA);
    expect(`${registry.host}/${repo}@${await registry.manifestDigest(repo, 'current')}`).toBe(pinB);
    const drifted = await cli.run(['validate', p, '--json']);
    expect(drifted.exitCode, explain(drifted)).toBe(0);
    expect(finishedOf(drifted, p)).toEqual([
      expect.objectContaining({
        event: 'verified',
        outcome: 'drifted',
        workerImageStatus: 'verified',
        workerImageDigest: pinB,
        stored: true,
        // What changed in the image's tools, before the new pin was taken.
        inventoryChanges: [{ tool: 'node', change: 'changed', from: expect.objectContaining({ version: 'v20.11.1' }), to: expect.objectContaining({ version: 'v22.3.0', path: '/usr/local/bin/node' }) }],
      }),
    ]);
    const driftAudit = cli.store().audit(p).filter((a) => a.event === 'validation_verified').at(-1);
    expect(JSON.parse(driftAudit?.detail ?? '{}')).toMatchObject({ inventoryChanges: [expect.objectContaining({ tool: 'node', change: 'changed' })] });
    expect(cli.store().project(p)).toMatchObject({ status: 'verified', digest: pinB, error: null });
    const resolvedB = await cli.run(['resolve', p]);
    expect(resolvedB.stdout).toBe(pinB);

    // A failing image under the same tag.
    const pinC = await push('no-git', repo);
    const human = await cli.run(['validate', p]);
    expect(human.exitCode, explain(human)).toBe(1);
    expect(linesOf(human, p)).toEqual([
      `${p}  failed: drifted: ${ref} now resolves to an image that fails (hard checks failed: git --version (not on PATH)); node v22.3.0 → v20.11.1, git removed; still launchable at ${pinB}`,
    ]);
    expect(cli.store().project(p)).toMatchObject({ worker_image: ref, status: 'verified', digest: pinB });
    const resolved = await cli.run(['resolve', p]);
    expect(resolved.exitCode, explain(resolved)).toBe(0);
    expect(resolved.stdout).toBe(pinB);
    const json = await cli.run(['validate', p, '--json']);
    expect(json.exitCode, explain(json)).toBe(1);
    expect(finishedOf(json, p)).toEqual([
      expect.objectContaining({
        event: 'failed',
        outcome: 'drift-failed',
        workerImageStatus: 'verified',
        workerImageDigest: pinB,
        finding: expect.objectContaining({ status: 'failed', reason: expect.stringMatching(/git --version/) }),
      }),
    ]);
    expect(jsonLines(json).find((e) => e.event === 'pinned' && e.project === p)).toMatchObject({ workerImageDigest: pinC });
    expect(await leftoverContainers(cli.store())).toEqual([]);
  });

  it('the image is deleted from the registry: vanished (exit 1); the pin is kept while the image is present locally, failed once it is gone too', async () => {
    const repo = `rv-${RUN}/vanish`;
    const pin = await push('good', repo);
    const ref = registry.ref(repo, 'current');
    const cli = await tempCli();
    const p = name('vanish');
    expect((await cli.run(['set', p, ref, '--create'])).exitCode).toBe(0);

    await registry.deleteManifest(repo, 'current');
    expect(await registry.manifestDigest(repo, 'current')).toBeNull();

    const kept = await cli.run(['validate', p, '--json']);
    expect(kept.exitCode, explain(kept)).toBe(1);
    expect(finishedOf(kept, p)).toEqual([
      expect.objectContaining({ event: 'failed', outcome: 'vanished', workerImageStatus: 'verified', workerImageDigest: pin, finding: expect.objectContaining({ status: 'failed' }) }),
    ]);
    const human = await cli.run(['validate', p]);
    expect(human.exitCode, explain(human)).toBe(1);
    expect(linesOf(human, p)).toEqual([expect.stringMatching(new RegExp(`^${p}  failed: vanished: .*; kept ${esc(pin)} \\(still present locally\\)$`))]);
    const show = await cli.run(['show', p]);
    expect(show.exitCode, explain(show)).toBe(0);
    expect(show.lines[0]).toBe(`${p}  verified → ${pin}`);
    expect((await cli.run(['resolve', p])).stdout).toBe(pin);

    // Now gone locally too: only this file's references (the fixture's own name keeps the image).
    expect((await docker(['image', 'rm', ref])).exitCode).toBe(0);
    // Untagging the repository's last tag usually takes its digest reference with it.
    if ((await docker(['image', 'inspect', pin])).exitCode === 0) expect((await docker(['image', 'rm', pin])).exitCode).toBe(0);
    expect((await docker(['image', 'inspect', pin])).exitCode).not.toBe(0);

    const gone = await cli.run(['validate', p, '--json']);
    expect(gone.exitCode, explain(gone)).toBe(1);
    expect(finishedOf(gone, p)).toEqual([
      expect.objectContaining({ event: 'failed', outcome: 'vanished', workerImageStatus: 'failed', workerImageDigest: null, stored: true }),
    ]);
    expect(cli.store().project(p)).toMatchObject({ status: 'failed', digest: null, error: expect.stringMatching(/no longer present locally/) });
    const resolve = await cli.run(['resolve', p]);
    expect(resolve.exitCode, explain(resolve)).toBe(1);
    expect(resolve.stdout).toBe('');
  });

  it('the check contract changed since the last verdict: contract-changed, tested again in a container; a pinned image that no longer passes fails', async () => {
    const repo = `rv-${RUN}/contract`;
    const pin = await push('good', repo);
    const badPin = await push('no-git', `rv-${RUN}/contract-bad`);
    const cli = await tempCli();
    const [p, q] = [name('contract'), name('contract-bad')];
    expect((await cli.run(['set', p, registry.ref(repo, 'current'), '--create'])).exitCode).toBe(0);
    expect((await cli.run(['set', q, registry.ref(`rv-${RUN}/contract-bad`, 'current'), '--create'])).exitCode).toBe(1);
    const contractHashOf = (id: string) => cli.store().query<{ contract_hash: string | null }>('select contract_hash from projects where id = ?', id)[0]?.contract_hash;
    const hash = contractHashOf(p);
    expect(hash).toMatch(/\S/);

    // The contract is fixed in code, so pretend the store's verdicts were reached under an older one:
    // every remembered verdict and p's pin carry another hash; q was "verified" under it (that old
    // contract did not check git).
    const OLD = 'e2e-older-contract';
    const store = cli.store();
    store.tamper('update projects set contract_hash = ? where id = ?', OLD, p);
    store.tamper("update projects set contract_hash = ?, status = 'verified', digest = ?, pin_kind = 'registry', error = null where id = ?", OLD, badPin, q);
    store.tamper('update smoke_results set contract_hash = ?', OLD);

    const since = new Date();
    const r = await cli.run(['validate', p, q, '--json']);
    expect(r.exitCode, explain(r)).toBe(1);
    expect(finishedOf(r, p)).toEqual([expect.objectContaining({ event: 'verified', outcome: 'contract-changed', cached: false, workerImageDigest: pin })]);
    expect(finishedOf(r, q)).toEqual([
      expect.objectContaining({ event: 'failed', outcome: 'contract-changed', workerImageStatus: 'failed', workerImageError: expect.stringMatching(/git --version/) }),
    ]);
    // Both images were really tested again (nothing is remembered under the current contract).
    expect(await ourContainersSince(since, cli)).toHaveLength(2);
    expect(cli.store().project(p)).toMatchObject({ status: 'verified', digest: pin });
    expect(contractHashOf(p)).toBe(hash);
    expect(cli.store().project(q)).toMatchObject({ status: 'failed', digest: null });

    // Under the current contract again: unchanged, remembered, no container.
    const since2 = new Date();
    const again = await cli.run(['validate', p]);
    expect(again.exitCode, explain(again)).toBe(0);
    expect(linesOf(again, p)).toEqual([`${p}  verified → ${pin}  (unchanged; cached verdict: no container ran)`]);
    expect(await ourContainersSince(since2, cli)).toEqual([]);
  });

  it('cron: a summary line; --changed-only prints nothing when nothing changed (exit 0), only the changed project after a drift, nothing for a repeated failure (still exit 1)', async () => {
    const repoA = `rv-${RUN}/cron-a`;
    const repoB = `rv-${RUN}/cron-b`;
    const repoBad = `rv-${RUN}/cron-bad`;
    const pinA = await push('good', repoA);
    const pinB = await push('node-new', repoB);
    await push('no-git', repoBad);
    const cli = await tempCli();
    const [c1, c2, c3, bad] = [name('cron-1'), name('cron-2'), name('cron-3'), name('cron-bad')];
    for (const [p, repo] of [
      [c1, repoA],
      [c2, repoA],
      [c3, repoB],
    ] as const) {
      expect((await cli.run(['set', p, registry.ref(repo, 'current'), '--create', '--no-validate'])).exitCode).toBe(0);
    }

    const first = await cli.run(['validate', '--all']);
    expect(first.exitCode, explain(first)).toBe(0);
    expect(linesOf(first, c1)).toEqual([`${c1}  verified → ${pinA}`]);
    expect(linesOf(first, c2)).toEqual([expect.stringMatching(new RegExp(`^${c2}  verified → ${esc(pinA)}`))]);
    expect(linesOf(first, c3)).toEqual([`${c3}  verified → ${pinB}`]);
    expect(first.lines.at(-1)).toBe('summary: 3 projects, 2 distinct references, 2 containers run, 0 cached verdicts: 3 verified');
    expect(first.lines).toHaveLength(4);

    const quiet = await cli.run(['validate', '--all', '--changed-only']);
    expect(quiet.exitCode, explain(quiet)).toBe(0);
    expect(quiet.stdout).toBe('');

    // One drift (c3's tag moves to another passing image): only c3's line and the summary.
    const pinB2 = await push('good', repoB);
    const drift = await cli.run(['validate', '--all', '--changed-only']);
    expect(drift.exitCode, explain(drift)).toBe(0);
    expect(drift.lines).toHaveLength(2);
    expect(drift.lines[0]).toMatch(new RegExp(`^${c3}  verified → ${esc(pinB2)}  \\(drifted`));
    expect(drift.lines[1]).toMatch(/^summary: 3 projects, 2 distinct references, .*1 drifted.*2 unchanged/);
    expect(cli.store().project(c3)).toMatchObject({ status: 'verified', digest: pinB2 });

    // c3's tag moves to a failing image: reported once (exit 1), then quiet but still exit 1.
    await push('no-git', repoB);
    const failing = await cli.run(['validate', '--all', '--changed-only']);
    expect(failing.exitCode, explain(failing)).toBe(1);
    expect(failing.lines).toHaveLength(2);
    expect(failing.lines[0]).toMatch(new RegExp(`^${c3}  failed: drifted: `));
    expect(failing.lines[1]).toMatch(/^summary: .*1 drift-failed/);
    const repeated = await cli.run(['validate', '--all', '--changed-only']);
    expect(repeated.exitCode, explain(repeated)).toBe(1);
    expect(repeated.stdout, explain(repeated)).toBe('');

    // A project that fails from the start: its first failure is news, the same failure again is not.
    expect((await cli.run(['set', bad, registry.ref(repoBad, 'current'), '--create', '--no-validate'])).exitCode).toBe(0);
    const news = await cli.run(['validate', '--all', '--changed-only']);
    expect(news.exitCode, explain(news)).toBe(1);
    expect(news.lines.map((l) => l.split('  ')[0])).toEqual([bad, expect.stringMatching(SUMMARY)]);
    expect(news.lines[0]).toMatch(new RegExp(`^${bad}  failed: .*git --version`));
    const old = await cli.run(['validate', '--all', '--changed-only']);
    expect(old.exitCode, explain(old)).toBe(1);
    expect(old.stdout, explain(old)).toBe('');

    // --json: NDJSON, ending with the summary object.
    const json = await cli.run(['validate', '--all', '--json']);
    expect(json.exitCode, explain(json)).toBe(1);
    const events = jsonLines(json);
    expect(events.at(-1)).toMatchObject({ schemaVersion: 1, event: 'summary', projects: 4, distinctReferences: 3 });
    expect(events.filter((e) => e.event === 'summary')).toHaveLength(1);
    expect(Object.fromEntries(finished(json).map((e) => [e.project, e.outcome]))).toEqual({
      [c1]: 'unchanged',
      [c2]: 'unchanged',
      [c3]: 'drift-failed',
      [bad]: 'failed',
    });

    // --concurrency changes how many run at once, never what is found.
    const outcomes = (r: CliResult) =>
      finished(r)
        .map((e) => [e.project, e.event, e.outcome, e.workerImageStatus, e.workerImageDigest, e.stored])
        .sort((x, y) => String(x[0]).localeCompare(String(y[0])));
    const one = await cli.run(['validate', '--all', '--fresh', '--json', '--concurrency', '1']);
    const four = await cli.run(['validate', '--all', '--fresh', '--json', '--concurrency', '4']);
    expect(four.exitCode, explain(four)).toBe(one.exitCode);
    expect(outcomes(four)).toEqual(outcomes(one));
    expect(outcomes(one)).toHaveLength(4);
    expect(await leftoverContainers(cli.store())).toEqual([]);
  });

  it('a present image gets its smoke container while it is pulled (SQLite), the one that runs; an image the engine lacks, or a shared store, gets it after the pull', async () => {
    const repo = `rv-${RUN}/ahead`;
    const pin = await push('good', repo);
    const ref = registry.ref(repo, 'current');
    const cli = await tempCli();
    // Every answer to the pull is held back 400 ms, so whatever is asked for during the pull is seen to be.
    const recorder = await startEngineRecorder({ slow: { route: 'POST /images/create', ms: 400 } });
    try {
      const present = name('ahead-present');
      let since = new Date();
      const r = await cli.run(['set', present, ref, '--create', '--json'], { env: { DOCKER_HOST: recorder.dockerHost } });
      expect(r.exitCode, explain(r)).toBe(0);
      expect(finishedOf(r, present)).toEqual([expect.objectContaining({ event: 'verified', cached: false, workerImageDigest: pin })]);
      const pull = recorder.requests.find((q) => q.route === 'POST /images/create');
      const creates = recorder.requests.filter((q) => q.route === 'POST /containers/create');
      expect(creates).toHaveLength(1);
      const starts = recorder.requests.filter((q) => q.route.endsWith('/start'));
      expect(starts).toHaveLength(1);
      // On a store whose hosts share the smoke lock, a container exists only under the lock: after the pull.
      const ahead = cli.kind === 'sqlite';
      expect(creates[0]!.sentAt < pull!.answeredAt!, `create asked for ${ahead ? 'during' : 'after'} the pull`).toBe(ahead);
      // Started only once the pull has ended and the pin is known.
      expect(starts[0]!.sentAt).toBeGreaterThan(pull!.answeredAt!);
      expect(await ourContainersSince(since, cli)).toHaveLength(1);

      // The engine does not have the image: nothing to create before the pull brings it. (--fresh: the
      // image's verdict is remembered, and would otherwise run no container at all.)
      await docker(['image', 'rm', ref, pin]);
      recorder.requests.length = 0;
      const absent = name('ahead-absent');
      expect((await cli.run(['set', absent, ref, '--create', '--no-validate'])).exitCode).toBe(0);
      since = new Date();
      const again = await cli.run(['validate', absent, '--fresh', '--json'], { env: { DOCKER_HOST: recorder.dockerHost } });
      expect(again.exitCode, explain(again)).toBe(0);
      expect(finishedOf(again, absent)).toEqual([expect.objectContaining({ event: 'verified', workerImageDigest: pin })]);
      const [pulled] = recorder.requests.filter((q) => q.route === 'POST /images/create');
      const [created, ...more] = recorder.requests.filter((q) => q.route === 'POST /containers/create');
      expect(more).toEqual([]);
      expect(created!.sentAt).toBeGreaterThan(pulled!.answeredAt!);
      expect(await leftoverContainers(cli.store())).toEqual([]);
    } finally {
      await recorder.close();
    }
  });

  it('one pull and one smoke container per distinct reference: 10 projects on 2 references, validate --all --fresh', async () => {
    const repoX = `rv-${RUN}/shared-x`;
    const repoY = `rv-${RUN}/shared-y`;
    const pinX = await push('good', repoX);
    const pinY = await push('node-new', repoY);
    const cli = await tempCli();
    const projects = Array.from({ length: 10 }, (_, i) => name(`many-${i}`));
    for (const [i, p] of projects.entries()) {
      const repo = i % 2 === 0 ? repoX : repoY;
      expect((await cli.run(['set', p, registry.ref(repo, 'current'), '--create', '--no-validate'])).exitCode).toBe(0);
    }

    const since = new Date();
    const r = await cli.run(['validate', '--all', '--fresh', '--json', '--concurrency', '4']);
    expect(r.exitCode, explain(r)).toBe(0);
    const done = finished(r);
    expect(done).toHaveLength(10);
    for (const [i, p] of projects.entries()) {
      expect(finishedOf(r, p)).toEqual([expect.objectContaining({ event: 'verified', workerImageDigest: i % 2 === 0 ? pinX : pinY })]);
    }
    expect(jsonLines(r).at(-1)).toMatchObject({ event: 'summary', projects: 10, distinctReferences: 2, containersRun: 2 });

    expect(await ourContainersSince(since, cli)).toHaveLength(2);
    const pulls = await pullsOfOurRegistrySince(since);
    expect(pulls.map((e) => e.Actor.ID).sort()).toEqual([registry.ref(repoX, 'current'), registry.ref(repoY, 'current')].sort());
    expect(await leftoverContainers(cli.store())).toEqual([]);
  });
});
