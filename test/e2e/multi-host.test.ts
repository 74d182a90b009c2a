// Several hosts sharing one PostgreSQL store, end to end: the BUILT binary, a real engine, a registry
// of this file's own, one database schema. A "host" is a process with its own host name (unshare
// --uts, so the CLI's os.hostname() is ci-host-a or ci-host-b); pids stay comparable, which is the
// point: host B may see that host A's pid is gone, and must not act on it.
//
//   - 2 hosts × 10 processes each create their own project while 2 × 10 more race `set` on one shared
//     project, all at once on a schema that does not exist yet: no lost row, no lost update, every
//     overtaken run recorded stale, nothing pending, and one smoke container for the one image ID.
//   - cold `validate --all` from both hosts at once: one container for a new image ID, cached verdicts
//     for the rest.
//   - a run killed (SIGKILL) mid-smoke-test on host A: live for host B while its lease lasts, abandoned
//     for host A (pid gone); its smoke lock goes with it; after its lease, abandoned for both, and
//     `validate --stale` on host B recovers it.
//
// The engine is shared with other suites: containers are counted from a `docker events` stream
// started by this file (the engine keeps only its last 256 events, too few on a busy engine), and only
// those labelled with the run ids recorded in this file's schema.
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, ensureRole, postgresAvailable } from '../support/postgres.js';
import { BIN, MANAGED_LABEL, type EngineEvent } from './support/cli.js';
import { pushImage, startRegistry, type Registry } from './support/registry.js';

const e2e = inject('e2e');
const RUN = randomBytes(3).toString('hex');
const HOSTS = ['ci-host-a', 'ci-host-b'] as const;
type Host = (typeof HOSTS)[number];
const [HOST_A, HOST_B] = HOSTS;
const PER_HOST = 10;
const ROLE = 'ci_multihost';
const SCHEMA = 'mh';
const RUN_ID_LABEL = 'io.cascade-image.run-id';
const SENTINEL_LABEL = 'io.cascade-image.e2e-sentinel';

const docker = (args: string[]) => execa('docker', args, { reject: false, stdin: 'ignore', all: true });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const project = (what: string) => `mh-${RUN}-${what}`;

/** Waits until `check` gives a value (polled), or fails naming what it waited for. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * Container create events of the whole engine, streamed from before the first command of this file
 * to its end. `settle()` makes a sentinel container and waits for its event: everything the engine
 * did before it has arrived too.
 */
class EngineEventStream {
  readonly events: EngineEvent[] = [];
  private readonly proc: ResultPromise;
  private sentinels = 0;

  constructor() {
    // --since: what happened between starting the client and its subscription is replayed, not lost.
    const since = ((Date.now() - 2_000) / 1000).toFixed(3);
    this.proc = execa('docker', ['events', '--since', since, '--filter', 'type=container', '--filter', 'event=create', '--format', '{{json .}}'], {
      reject: false,
      stdin: 'ignore',
      buffer: false,
    });
    let pending = '';
    this.proc.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') this.events.push(JSON.parse(line) as EngineEvent);
    });
  }

  async settle(): Promise<void> {
    const seen = (mark: string) => this.events.some((e) => e.Actor.Attributes[SENTINEL_LABEL] === mark);
    for (let attempt = 1; ; attempt += 1) {
      const mark = `${RUN}-${++this.sentinels}`;
      const created = await docker(['create', '--label', `${SENTINEL_LABEL}=${mark}`, e2e.local.good, 'true']);
      if (created.exitCode !== 0) throw new Error(`docker create (sentinel): ${created.all}`);
      await docker(['rm', '-f', created.stdout.trim()]);
      const deadline = Date.now() + 5_000;
      while (!seen(mark) && Date.now() < deadline) await sleep(50);
      if (seen(mark)) return;
      if (attempt === 3) throw new Error(`the docker events stream never showed sentinel containers (${this.events.length} events so far)`);
    }
  }

  /** Our smoke containers created by the given runs (after `settle()`). */
  createdBy(runIds: ReadonlySet<string>): EngineEvent[] {
    return this.events.filter((e) => e.Actor.Attributes[MANAGED_LABEL] === 'true' && runIds.has(e.Actor.Attributes[RUN_ID_LABEL] ?? ''));
  }

  async stop(): Promise<void> {
    this.proc.kill('SIGTERM');
    await this.proc;
  }
}

interface HostRun {
  readonly host: Host;
  readonly args: readonly string[];
  readonly pid: number;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout's NDJSON lines. */
  readonly json: Array<Record<string, unknown>>;
}

const explain = (r: HostRun) => `${r.host}: cascade-image ${r.args.join(' ')} → exit ${r.exitCode}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
const FINISHED = new Set(['verified', 'failed', 'stale']);
/** The run's `finished` event (verified / failed / stale) for a project. */
const finishedOf = (r: HostRun, name: string) => r.json.filter((e) => FINISHED.has(String(e.event)) && e.project === name);

describe.skipIf(!e2e.engine || !postgresAvailable())('several hosts on one PostgreSQL store (built binary, real engine)', () => {
  let registry: Registry;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let storeUrl: string;
  let workDir: string;
  /** The test's own view of the schema, as the cluster's admin (reads only). */
  let admin: pg.Pool;
  /** As the store's superadmin: what a host's clock would do to a lease, done to the row. */
  let operator: pg.Pool;
  let engine: EngineEventStream;
  const localRefs = new Set<string>();
  const leftovers = new Set<string>();
  const imageIds = new Map<string, string>();

  beforeAll(async () => {
    // A host name of its own per process needs a UTS namespace: root (or CAP_SYS_ADMIN), as in CI.
    const probe = await execa('unshare', ['--uts', 'sh', '-c', 'hostname "$0" && exec hostname', HOST_A], { reject: false, stdin: 'ignore', all: true });
    if (probe.exitCode !== 0 || probe.stdout.trim() !== HOST_A) throw new Error(`unshare --uts cannot give a process its own host name here (root needed):\n${probe.all}`);

    const password = randomBytes(12).toString('hex');
    await ensureRole(ROLE, password);
    database = await createTestDatabase('multihost');
    storeUrl = database.url({ role: ROLE, password, schema: SCHEMA });
    admin = new pg.Pool({ connectionString: database.url(), max: 2, options: `-c search_path=${SCHEMA}` });
    operator = new pg.Pool({ connectionString: database.url({ role: ROLE, password }), max: 1, options: `-c search_path=${SCHEMA}` });
    workDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cascade-multihost-'));
    registry = await startRegistry();
    engine = new EngineEventStream();
    await engine.settle();
  });

  afterAll(async () => {
    for (const id of leftovers) await docker(['rm', '-f', id]);
    if (localRefs.size > 0) await docker(['image', 'rm', ...localRefs]);
    await engine?.stop();
    await registry?.stop();
    await admin?.end();
    await operator?.end();
    await database?.drop();
    if (workDir !== undefined) await fsp.rm(workDir, { recursive: true, force: true });
  });

  /** Pushes a fixture variant as <registry>/<repo>:<tag>; returns the pinned form <registry>/<repo>@<digest>. */
  async function push(variant: keyof typeof e2e.local, repo: string, tag: string): Promise<{ ref: string; pin: string }> {
    const ref = registry.ref(repo, tag);
    // Recorded before the push: a push that fails has tagged the image already.
    localRefs.add(ref);
    const digest = await pushImage(e2e.local[variant], ref);
    const pin = `${registry.host}/${repo}@${digest}`;
    localRefs.add(pin);
    return { ref, pin };
  }

  /** One push after the other: the registry answers 500 to concurrent pushes into one repository. */
  async function pushAll(images: ReadonlyArray<readonly [keyof typeof e2e.local, string, string]>): Promise<Array<{ ref: string; pin: string }>> {
    const pushed: Array<{ ref: string; pin: string }> = [];
    for (const [variant, repo, tag] of images) pushed.push(await push(variant, repo, tag));
    return pushed;
  }

  /** Starts `cascade-image ...args` as a process of `host`, against the shared store. */
  function spawnOn(host: Host, args: readonly string[], timeoutMs = 120_000) {
    return execa('unshare', ['--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', host, process.execPath, BIN, ...args], {
      cwd: workDir,
      env: {
        CASCADE_IMAGE_DB: storeUrl,
        CASCADE_ACTOR: undefined,
        CASCADE_DEFAULT_WORKER_IMAGE: undefined,
        CASCADE_IMAGE_DEBUG: undefined,
        FORCE_COLOR: undefined,
        PGUSER: undefined,
        PGPASSWORD: undefined,
        PGHOST: undefined,
        PGDATABASE: undefined,
        XDG_DATA_HOME: path.join(workDir, 'xdg'),
        NO_COLOR: '1',
      },
      reject: false,
      stdin: 'ignore',
      timeout: timeoutMs,
    });
  }

  async function finish(host: Host, args: readonly string[], child: ReturnType<typeof spawnOn>): Promise<HostRun> {
    const r = await child;
    if (r.timedOut) throw new Error(`${host}: cascade-image ${args.join(' ')} timed out:\n${r.stdout}\n${r.stderr}`);
    const json = r.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    return { host, args, pid: child.pid ?? -1, exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, json };
  }

  const onHost = (host: Host, args: readonly string[], timeoutMs?: number) => finish(host, args, spawnOn(host, args, timeoutMs));

  async function rows<Row>(text: string, params: unknown[] = []): Promise<Row[]> {
    return (await admin.query(text, params)).rows as Row[];
  }

  /** Every run id recorded in the schema: the only containers this file counts are theirs. */
  async function runIds(): Promise<Set<string>> {
    return new Set((await rows<{ run_id: string }>('select run_id from validation_runs')).map((row) => row.run_id));
  }

  /** The smoke-lock connections on this file's database (one per process that got to the lock), with the advisory locks each holds. */
  async function lockSessions(): Promise<Array<{ pid: number; held: number }>> {
    const found = await rows<{ pid: number; held: string }>(
      `select a.pid, (select count(*) from pg_locks l where l.pid = a.pid and l.locktype = 'advisory' and l.granted) as held
         from pg_stat_activity a where a.datname = $1 and a.application_name = 'cascade-image locks'`,
      [database.name],
    );
    return found.map((row) => ({ pid: row.pid, held: Number(row.held) }));
  }

  /** The image ID of a pinned reference (`repo@sha256:…`) a container was created from. */
  async function imageIdOf(pin: string): Promise<string> {
    let id = imageIds.get(pin);
    if (id === undefined) {
      const r = await docker(['image', 'inspect', '--format', '{{.Id}}', pin]);
      if (r.exitCode !== 0) throw new Error(`docker image inspect ${pin}: ${r.all}`);
      id = r.stdout.trim();
      imageIds.set(pin, id);
    }
    return id;
  }

  /** Smoke containers of this schema's runs since `from` (an index into the stream), by image ID. */
  async function containersByImage(from: number): Promise<Map<string, EngineEvent[]>> {
    await engine.settle();
    const ids = await runIds();
    const byImage = new Map<string, EngineEvent[]>();
    for (const event of engine.createdBy(ids).filter((e) => engine.events.indexOf(e) >= from)) {
      const id = await imageIdOf(event.Actor.Attributes.image ?? '');
      byImage.set(id, [...(byImage.get(id) ?? []), event]);
    }
    return byImage;
  }

  it('2 hosts × 10 processes create their own projects while 2 × 10 race `set` on one shared project, on a store none of them has created yet', async () => {
    // One image ID under many names: 20 tags of one repository, and 20 repositories.
    const ownRefs = await pushAll(Array.from({ length: 2 * PER_HOST }, (_, i) => ['good', `mh-${RUN}/same`, `t${i + 1}`] as const));
    const sharedRefs = await pushAll(Array.from({ length: 2 * PER_HOST }, (_, i) => ['good', `mh-${RUN}/shared-${i + 1}`, 'v'] as const));
    const goodId = await imageIdOf(ownRefs[0]!.pin);
    const shared = project('shared');
    const own = ownRefs.map((ref, i) => ({ host: HOSTS[i % 2]!, name: project(`own-${i + 1}`), ...ref }));
    const racers = sharedRefs.map((ref, i) => ({ host: HOSTS[i % 2]!, ...ref }));
    expect((await rows('select 1 from pg_namespace where nspname = $1', [SCHEMA])).length).toBe(0);

    const from = engine.events.length;
    const t0 = performance.now();
    const launched = [
      ...own.map((p) => ({ kind: 'own' as const, ...p, args: ['set', p.name, p.ref, '--create', '--json'] })),
      ...racers.map((p) => ({ kind: 'shared' as const, name: shared, ...p, args: ['set', shared, p.ref, '--create', '--json'] })),
    ];
    // All 40 start within two seconds: the creators at once, the racers 100 ms apart, so that some
    // sets land while earlier ones still validate (their runs go stale) and some after (stored).
    const results = await Promise.all(
      launched.map(async (p, i) => {
        if (p.kind === 'shared') await sleep(100 * (i - own.length));
        return { ...p, run: await finish(p.host, p.args, spawnOn(p.host, p.args)) };
      }),
    );
    const waveMs = performance.now() - t0;

    // --- the store was created once: one bootstrap operator, whoever got there first.
    expect(await rows('select actor, role from operators')).toEqual([{ actor: ROLE, role: 'superadmin' }]);
    expect(await rows(`select event from audit_log where event = 'operator_granted'`)).toHaveLength(1);

    // --- no lost row: all 20 own projects, each with its creation audit row and its verified run.
    for (const r of results.filter((p) => p.kind === 'own')) {
      expect(r.run.exitCode, explain(r.run)).toBe(0);
      expect(finishedOf(r.run, r.name), explain(r.run)).toEqual([expect.objectContaining({ event: 'verified', stored: true, workerImageDigest: r.pin })]);
    }
    const ownRows = await rows<{ id: string; worker_image: string; status: string; digest: string; generation: number }>(
      `select id, worker_image, status, digest, generation from projects where id like $1 order by id`,
      [`${project('own-')}%`],
    );
    expect(ownRows).toHaveLength(2 * PER_HOST);
    for (const p of own) {
      expect(ownRows.find((row) => row.id === p.name)).toEqual({ id: p.name, worker_image: p.ref, status: 'verified', digest: p.pin, generation: 1 });
      const audit = await rows<{ event: string; to_ref: string | null; detail: string }>('select event, to_ref, detail from audit_log where project_id = $1 order by id', [p.name]);
      expect(audit.map((a) => [a.event, a.to_ref])).toEqual([
        ['project_worker_image_changed', p.ref],
        ['validation_verified', p.pin],
      ]);
      expect(JSON.parse(audit[0]!.detail)).toMatchObject({ generation: 1, created: true });
    }

    // --- no lost update on the shared project: 20 changes, one generation each, each one seeing the one before.
    const changes = await rows<{ id: number; from_ref: string | null; to_ref: string; detail: string }>(
      `select id, from_ref, to_ref, detail from audit_log where project_id = $1 and event = 'project_worker_image_changed' order by id`,
      [shared],
    );
    const sets = racers.length;
    expect(changes).toHaveLength(sets);
    expect(changes.map((c) => JSON.parse(c.detail).generation)).toEqual(Array.from({ length: sets }, (_, i) => i + 1));
    expect(changes.filter((c) => JSON.parse(c.detail).created === true)).toHaveLength(1);
    changes.forEach((c, i) => expect(c.from_ref).toBe(i === 0 ? null : changes[i - 1]!.to_ref));
    expect(new Set(changes.map((c) => c.to_ref))).toEqual(new Set(racers.map((r) => r.ref)));
    const last = changes.at(-1)!;
    const lastPin = racers.find((r) => r.ref === last.to_ref)!.pin;
    const [slot] = await rows<{ worker_image: string; status: string; digest: string; generation: number }>('select worker_image, status, digest, generation from projects where id = $1', [shared]);
    // The start was "no project" (generation 0): one generation per set, and the last change's reference, verified.
    expect(slot).toEqual({ worker_image: last.to_ref, status: 'verified', digest: lastPin, generation: 0 + sets });

    // --- every run of the shared project: one per generation, all finished; stale exactly when a later change committed first.
    const runs = await rows<{ run_id: string; generation: number; outcome: string | null; finished_at: string | null; digest: string | null; owner_host: string }>(
      'select run_id, generation, outcome, finished_at, digest, owner_host from validation_runs where project_id = $1 order by generation',
      [shared],
    );
    expect(runs.map((r) => r.generation)).toEqual(Array.from({ length: sets }, (_, i) => i + 1));
    expect(new Set(runs.map((r) => r.owner_host))).toEqual(new Set(HOSTS));
    const verdicts = await rows<{ id: number; event: string; detail: string }>(`select id, event, detail from audit_log where project_id = $1 and event like 'validation\\_%' order by id`, [shared]);
    expect(verdicts).toHaveLength(sets);
    const changeIdOf = (generation: number) => changes.find((c) => JSON.parse(c.detail).generation === generation)?.id;
    let stale = 0;
    for (const run of runs) {
      expect(run.finished_at, `run ${run.run_id} (generation ${run.generation}) left unfinished`).not.toBeNull();
      const verdict = verdicts.find((v) => JSON.parse(v.detail).runId === run.run_id);
      expect(verdict, `run ${run.run_id} has no audit row`).toBeDefined();
      const next = changeIdOf(run.generation + 1);
      const overtaken = next !== undefined && next < verdict!.id;
      expect({ generation: run.generation, outcome: run.outcome, event: verdict!.event }).toEqual({
        generation: run.generation,
        outcome: overtaken ? 'stale' : 'verified',
        event: overtaken ? 'validation_stale' : 'validation_verified',
      });
      if (overtaken) {
        stale += 1;
        // Its result was dropped: the audit row says which generation had overtaken it.
        expect(JSON.parse(verdict!.detail).currentGeneration).toBeGreaterThan(run.generation);
      }
    }
    expect(runs.at(-1)!.outcome).toBe('verified');
    // What each racer was told matches what the store recorded: exit 1 and `stale` for an overtaken run, exit 0 otherwise.
    for (const r of results.filter((p) => p.kind === 'shared')) {
      const pending = r.run.json.find((e) => e.event === 'pending');
      const run = runs.find((x) => x.generation === pending?.generation);
      expect(run, explain(r.run)).toBeDefined();
      expect(finishedOf(r.run, shared), explain(r.run)).toEqual([expect.objectContaining({ event: run!.outcome, stored: run!.outcome !== 'stale' })]);
      expect(r.run.exitCode, explain(r.run)).toBe(run!.outcome === 'stale' ? 1 : 0);
    }

    // --- nothing pending, nothing unfinished anywhere in the schema.
    expect(await rows(`select id from projects where status = 'pending'`)).toEqual([]);
    expect(await rows('select run_id from validation_runs where finished_at is null')).toEqual([]);

    // --- one smoke container for the one image ID (and contract), across both hosts and all 40 processes.
    const byImage = await containersByImage(from);
    expect([...byImage.keys()]).toEqual([goodId]);
    expect(byImage.get(goodId)).toHaveLength(1);
    const fresh = results.flatMap((p) => finishedOf(p.run, p.name)).filter((e) => e.cached === false);
    expect(fresh).toHaveLength(1);
    console.log(
      `[multi-host] wave: ${launched.length} processes on ${HOSTS.length} hosts in ${(waveMs / 1000).toFixed(1)}s; ` +
        `shared project generation ${slot!.generation} after ${sets} sets, ${stale} runs stale, ${sets - stale} stored; ` +
        `smoke containers for image ${goodId.slice(7, 19)}: ${byImage.get(goodId)?.length}, cached verdicts: ${results.length - fresh.length}`,
    );
  });

  it('cold `validate --all` from both hosts at once: one smoke container for a new image ID, cached verdicts for everything else', async () => {
    const refs = await pushAll(Array.from({ length: 6 }, (_, i) => ['node-new', `mh-${RUN}/cold`, `t${i + 1}`] as const));
    const cold = refs.map((ref, i) => ({ host: HOSTS[i % 2]!, name: project(`cold-${i + 1}`), ...ref }));
    // Stored without validation (no container): the image has never been tested in this store.
    for (const r of await Promise.all(cold.map((p) => onHost(p.host, ['set', p.name, p.ref, '--create', '--no-validate'])))) expect(r.exitCode, explain(r)).toBe(0);
    const coldId = await imageIdOf(refs[0]!.pin);
    expect(await rows('select 1 from smoke_results where image_id = $1', [coldId])).toEqual([]);
    const [{ n: projects } = { n: '0' }] = await rows<{ n: string }>('select count(*) as n from projects');

    const from = engine.events.length;
    const t0 = performance.now();
    const validations = await Promise.all(
      [HOST_A, HOST_B, HOST_A, HOST_B].map((host) => onHost(host, ['validate', '--all', '--concurrency', '4', '--json'])),
    );
    const ms = performance.now() - t0;
    let containers = 0;
    for (const r of validations) {
      expect(r.exitCode, explain(r)).toBe(0);
      const summary = r.json.find((e) => e.event === 'summary');
      expect(summary, explain(r)).toMatchObject({ projects: Number(projects) });
      containers += Number(summary?.containersRun ?? 0);
      const finished = r.json.filter((e) => FINISHED.has(String(e.event)));
      expect(finished.filter((e) => e.stored !== true), explain(r)).toEqual([]);
      for (const p of cold) expect(finishedOf(r, p.name), explain(r)).toEqual([expect.objectContaining({ event: 'verified', workerImageDigest: p.pin })]);
    }
    const byImage = await containersByImage(from);
    expect([...byImage.keys()]).toEqual([coldId]);
    expect(byImage.get(coldId)).toHaveLength(1);
    expect(containers).toBe(1);
    expect(await rows(`select id from projects where status <> 'verified'`)).toEqual([]);
    console.log(
      `[multi-host] cold validate --all: ${validations.length} processes × ${projects} projects in ${(ms / 1000).toFixed(1)}s; ` +
        `smoke containers for image ${coldId.slice(7, 19)}: ${byImage.get(coldId)?.length}, for any other: 0`,
    );
  });

  it('a run killed mid-smoke-test on host A: live for host B within its lease, abandoned for host A (pid gone), its smoke lock freed; after its lease both see it abandoned and `validate --stale` on host B recovers it', async () => {
    const [a, b] = (await pushAll([['hang', `mh-${RUN}/hang`, 'a'], ['hang', `mh-${RUN}/hang`, 'b']])) as [{ ref: string; pin: string }, { ref: string; pin: string }];
    const victim = project('lease');
    const waiter = project('lease-waiter');
    const from = engine.events.length;

    // Host A starts a smoke test that would hang for its whole timeout (60 s).
    const killedArgs = ['set', victim, a.ref, '--create', '--timeout', '60s', '--json'];
    const killedChild = spawnOn(HOST_A, killedArgs);
    const run = await eventually('host A’s run to record its lease', async () =>
      (await rows<{ run_id: string; owner_pid: number; owner_host: string; lease_expires_at: string }>('select run_id, owner_pid, owner_host, lease_expires_at from validation_runs where project_id = $1', [victim]))[0],
    );
    expect(run).toMatchObject({ owner_pid: killedChild.pid, owner_host: HOST_A });
    const container = await eventually('host A’s smoke container', async () => {
      const ps = await docker(['ps', '-q', '--no-trunc', '--filter', `label=${RUN_ID_LABEL}=${run.run_id}`]);
      return ps.stdout.trim() || undefined;
    });
    leftovers.add(container);

    // Host B validates another tag of the same image: it waits for host A's smoke lock.
    const waiterArgs = ['set', waiter, b.ref, '--create', '--timeout', '3s', '--json'];
    const waiterChild = spawnOn(HOST_B, waiterArgs);
    const waiterRun = await eventually('host B’s run', async () => (await rows<{ run_id: string }>('select run_id from validation_runs where project_id = $1', [waiter]))[0]);
    // Both processes have reached the smoke lock (each opens its lock connection there): A holds the key, B polls for it.
    await eventually('both processes at the smoke lock', async () => ((await lockSessions()).length === 2 ? true : undefined));
    expect((await lockSessions()).map((session) => session.held).sort()).toEqual([0, 1]);
    await sleep(500);
    expect((await docker(['ps', '-aq', '--filter', `label=${RUN_ID_LABEL}=${waiterRun.run_id}`])).stdout.trim()).toBe('');

    // kill -9: no chance to record anything; its lock connection goes with the process.
    killedChild.kill('SIGKILL');
    const killed = await finish(HOST_A, killedArgs, killedChild);
    expect(killed.exitCode).not.toBe(0);
    const killedAt = Date.now();
    expect(finishedOf(killed, victim)).toEqual([]);

    // The waiter on host B gets the lock well before host A's 60 s would have ended, and runs its own test.
    const waited = await finish(HOST_B, waiterArgs, waiterChild);
    expect(waited.exitCode, explain(waited)).toBe(1);
    expect(finishedOf(waited, waiter)).toEqual([expect.objectContaining({ event: 'failed', stored: true, workerImageError: expect.stringMatching(/timed out after 3s/) })]);
    expect(Date.now() - killedAt).toBeLessThan(20_000);
    await engine.settle();
    const waiterContainers = engine.createdBy(new Set([waiterRun.run_id]));
    expect(waiterContainers).toHaveLength(1);
    expect(waiterContainers[0]!.timeNano / 1e6).toBeGreaterThanOrEqual(killedAt - 100);
    expect(await lockSessions()).toEqual([]);

    // --- within the lease: host B cannot check host A's pid, so the run is live there.
    const showB = await onHost(HOST_B, ['show', victim, '--json']);
    expect(showB.exitCode, explain(showB)).toBe(0);
    expect(showB.json[0]?.data).toMatchObject({
      workerImageStatus: 'pending',
      abandoned: null,
      lastRun: expect.objectContaining({ runId: run.run_id, finishedAt: null, ownerHost: HOST_A, ownerPid: killed.pid }),
    });
    const showBText = await onHost(HOST_B, ['show', victim]);
    expect(showBText.stdout).toMatch(new RegExp(`running +since .*\\(run ${run.run_id}, pid ${killed.pid} on ${HOST_A}\\)`));
    expect(showBText.stdout).not.toMatch(/abandoned/);
    // ... so host B's `validate --stale` leaves it alone, and its `cleanup` keeps the container.
    const staleB = await onHost(HOST_B, ['validate', '--stale', '--json']);
    expect(staleB.exitCode, explain(staleB)).toBe(0);
    expect(staleB.json.find((e) => e.event === 'summary')).toMatchObject({ projects: 0 });
    const cleanupB = await onHost(HOST_B, ['cleanup', '--dry-run', '--json']);
    expect((cleanupB.json[0]?.data as { containers: Array<Record<string, unknown>> }).containers.filter((c) => c.runId === run.run_id)).toEqual([
      expect.objectContaining({ action: 'kept', why: `its run ${run.run_id} is still live` }),
    ]);
    // Host A knows its own pids: the process is gone, the run abandoned.
    const showA = await onHost(HOST_A, ['show', victim, '--json']);
    expect(showA.json[0]?.data).toMatchObject({ workerImageStatus: 'pending', abandoned: `run ${run.run_id} stopped without a result: its process ${killed.pid} on ${HOST_A} is gone` });
    const cleanupA = await onHost(HOST_A, ['cleanup', '--dry-run', '--json']);
    expect((cleanupA.json[0]?.data as { containers: Array<Record<string, unknown>> }).containers.filter((c) => c.runId === run.run_id)).toEqual([
      expect.objectContaining({ action: 'would-remove', why: 'its run can no longer deliver a result' }),
    ]);

    // --- the lease runs out (31 minutes for a 60 s timeout: the row is moved instead of the clock).
    const expired = new Date(Date.now() - 1_000).toISOString();
    await operator.query('update validation_runs set lease_expires_at = $1 where run_id = $2', [expired, run.run_id]);
    for (const host of HOSTS) {
      const shown = await onHost(host, ['show', victim, '--json']);
      expect(shown.json[0]?.data, explain(shown)).toMatchObject({
        workerImageStatus: 'pending',
        abandoned: `run ${run.run_id} (pid ${killed.pid} on ${HOST_A}) passed its lease at ${expired} without a result`,
      });
    }

    // Host B takes it over: a new run of the same generation, a verdict stored (the image hangs: failed, timeout).
    const recovered = await onHost(HOST_B, ['validate', '--stale', '--timeout', '3s', '--json']);
    expect(recovered.exitCode, explain(recovered)).toBe(1);
    expect(recovered.json.find((e) => e.event === 'summary')).toMatchObject({ projects: 1, containersRun: 1 });
    expect(finishedOf(recovered, victim)).toEqual([expect.objectContaining({ event: 'failed', stored: true, generation: 1, workerImageError: expect.stringMatching(/timed out after 3s/) })]);
    const after = await onHost(HOST_A, ['show', victim, '--json']);
    expect(after.json[0]?.data).toMatchObject({ workerImageStatus: 'failed', abandoned: null, lastRun: expect.objectContaining({ ownerHost: HOST_B, finishedAt: expect.any(String) }) });
    expect(await rows(`select id from projects where status = 'pending'`)).toEqual([]);
    const leaseRuns = await rows<{ run_id: string; owner_host: string; finished_at: string | null }>('select run_id, owner_host, finished_at from validation_runs where project_id = $1 order by id', [victim]);
    expect(leaseRuns.map((r) => [r.owner_host, r.finished_at === null])).toEqual([
      [HOST_A, true],
      [HOST_B, false],
    ]);

    // Containers of these runs: host A's (killed, still hanging), the waiter's, the recovery's: one each.
    const byImage = await containersByImage(from);
    const hangId = await imageIdOf(a.pin);
    expect([...byImage.keys()]).toEqual([hangId]);
    expect(byImage.get(hangId)?.map((e) => e.Actor.Attributes[RUN_ID_LABEL])).toEqual([run.run_id, waiterRun.run_id, leaseRuns[1]!.run_id]);
    console.log(`[multi-host] leases: run ${run.run_id} killed on ${HOST_A} (pid ${killed.pid}); live on ${HOST_B} until its lease, abandoned on ${HOST_A}; recovered on ${HOST_B}`);
  });
});
