#!/usr/bin/env node
// cascade-image benchmark: a REPORT, not a test. It measures the INSTALLED CLI (npm pack, then npm
// install into .tmp/installed — `npm run bench` builds and installs first, through
// scripts/install-package.mjs) against plain `node -e 0` and against the
// docker CLI doing the same steps by hand, prints a table with a PASS/MISS per target, writes
// test/bench/last-results.json (the last three runs), and exits 0 whatever the figures are (exit 1 only when the bench
// itself could not run, e.g. no engine).
//
//   node test/bench/run.mjs [--only=startup,anatomy,set,validate,memory,modules,postgres] [--reps=N] [--startup-runs=N]
//                           [--validate-reps=N] [--loop-reps=N]
//
// Targets:
//   1. start-up   `show <p>` and `list` over a ~200-project store vs `node -e 0`        ratio ≤ 1.3×
//   2. set        `set` on an image already present (fresh store per rep, so the smoke
//                 container really runs) vs `docker pull && docker image inspect && docker run`  ≤ 1.0×
//   3. validate   `validate --all` over 200 projects sharing 10 references vs a shell loop
//                 of the docker CLI steps per project (outcomes must be identical)        ≥ 10× faster
//   4. memory     peak RSS of the `set` process while it pulls a ~300 MiB image          ≤ 120 MiB
//   5. postgres   the same start-up, set and validate --all figures with the store on the
//                 PostgreSQL test cluster (bash .ci/postgres.sh), beside SQLite's          (no target)
// Diagnostics (no target): `anatomy` (the start-up layer by layer: test/bench/startup-anatomy.mjs,
// with `startup`), `modules` (each bundle's load).
//
// Noise: the machine is shared, so every comparison is interleaved (A B A B …); a target is judged
// on the median of the per-pair ratios (each pair sees one state of the machine), reported with
// their spread (p10–p90 and min–max) and beside the ratio of the two medians. Start-up timings use
// spawnSync (no execa overhead inside the measured interval).
//
// What it leaves behind: only the big image's registry storage in the cache dir
// ($CASCADE_BENCH_CACHE, else $XDG_CACHE_HOME/cascade-image-bench, else ~/.cache/cascade-image-bench).
// The big image is cached THERE rather than in the engine on purpose: while the engine holds its
// layers, a "pull" downloads nothing. Everything else (registry, temp dirs, bench images and tags,
// the engine's copy of the big image) is removed at the end.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import pg from 'pg';
import { median, must, pct, r1, r2, spread, spreadText, timed } from './measure.mjs';
import { anatomyLines, benchAnatomy } from './startup-anatomy.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The installed package's command, as scripts/install-package.mjs leaves it.
const BIN = path.join(ROOT, '.tmp', 'installed', 'node_modules', '.bin', 'cascade-image');
const INSTALLED = path.join(ROOT, '.tmp', 'installed', 'node_modules', 'cascade-image');
const NODE = process.execPath;
const RESULTS_FILE = path.join(ROOT, 'test', 'bench', 'last-results.json');
const BASE_IMAGE = 'cascade-fixture/good:latest';
const SMALL_LABEL = 'cascade.bench.small';
const BIG_LABEL = 'cascade.bench.big';
const BIG_VERSION = 'v1-300MiB';
const BIG_MIB = 300;
const PROJECTS = 200;
const REFERENCES = 10;

const TARGETS = { startupRatio: 1.3, setRatio: 1.0, validateSpeedup: 10, peakRssMiB: 120 };

// --- arguments -----------------------------------------------------------------------------------
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) {
      console.error(`bench: unknown argument ${a}`);
      process.exit(2);
    }
    return [m[1], m[2] ?? 'true'];
  }),
);
const ONLY = new Set((args.only ?? 'startup,anatomy,set,validate,memory,modules,postgres').split(','));
// 41 rounds, not the 21 the targets ask at least: the median of a start-up that is ~15 ms above a
// 60-80 ms base moves by several hundredths between runs on this noisy 2-core VM at 21.
const STARTUP_RUNS = Number(args['startup-runs'] ?? 41);
const SET_REPS = Number(args.reps ?? 21);
const VALIDATE_REPS = Number(args['validate-reps'] ?? 3);
const LOOP_REPS = Number(args['loop-reps'] ?? 2);

// --- small helpers -------------------------------------------------------------------------------
const t0 = performance.now();
const log = (msg) => process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`);
const tempDirs = [];
async function tempDir(prefix) {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/**
 * NODE_EXTRA_CA_CERTS makes Node 20 build its whole CA store (the bundled roots and the file's)
 * at start-up, before any script runs, TLS or not (nodejs/node#40524): ~50 ms of every start on
 * this VM, node -e 0 included, which the docker CLI never pays. Where it is set, start-up and set
 * are measured both as the environment is and without it, and a target is met only in both.
 */
const EXTRA_CA = 'NODE_EXTRA_CA_CERTS';
const ENVIRONMENTS = process.env[EXTRA_CA] === undefined ? ['as is'] : ['as is', `without ${EXTRA_CA}`];

/** The CLI's environment: a throwaway store, a fixed actor, nothing of the caller's leaking in. */
function cliEnv(db, dir, environment = 'as is') {
  const env = { ...process.env, CASCADE_IMAGE_DB: db, CASCADE_ACTOR: 'bench', XDG_DATA_HOME: path.join(dir, 'xdg'), NO_COLOR: '1' };
  for (const k of ['CASCADE_DEFAULT_WORKER_IMAGE', 'CASCADE_IMAGE_DEBUG', 'FORCE_COLOR']) delete env[k];
  if (environment !== 'as is') delete env[EXTRA_CA];
  return env;
}

const docker = (argv, opts = {}) => execa('docker', argv, { ...(opts.input === undefined ? { stdin: 'ignore' } : {}), timeout: 600_000, ...opts });

async function freeLoopbackPort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = srv.address().port;
      srv.close(() => resolve(port));
    });
  });
}

// --- throwaway registry (plain-JS twin of test/e2e/support/registry.ts, no auth) ------------------
async function startRegistry(seedFrom) {
  const dir = await tempDir('cascade-bench-registry-');
  const data = path.join(dir, 'data');
  await fsp.mkdir(data);
  // Seed with the cached big image's storage: hard links (blob files are content-addressed and the
  // registry never rewrites them in place), so seeding 300 MiB costs milliseconds.
  if (seedFrom !== undefined && fs.existsSync(path.join(seedFrom, 'docker'))) {
    const r = spawnSync('cp', ['-al', path.join(seedFrom, 'docker'), data]);
    if (r.status !== 0) throw new Error(`cp -al: ${r.stderr}`);
  }
  const logFile = path.join(dir, 'registry.log');
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeLoopbackPort();
    const cfg = path.join(dir, 'config.yml');
    await fsp.writeFile(
      cfg,
      [
        'version: 0.1',
        'log:',
        '  level: warn',
        '  accesslog:',
        '    disabled: true',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${data}`,
        '  delete:',
        '    enabled: true',
        'http:',
        `  addr: 127.0.0.1:${port}`,
        '  secret: cascade-bench-not-a-secret',
        'health:',
        '  storagedriver:',
        '    enabled: false',
        '',
      ].join('\n'),
    );
    const fd = fs.openSync(logFile, 'a');
    const proc = spawn('docker-registry', ['serve', cfg], { stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    let exited = false;
    const killOnExit = () => proc.kill('SIGKILL');
    process.once('exit', killOnExit);
    const done = new Promise((resolve) => {
      proc.once('exit', resolve);
      proc.once('error', (e) => {
        fs.appendFileSync(logFile, `spawn docker-registry: ${e.message}\n`);
        resolve();
      });
    }).then(() => {
      exited = true;
      process.off('exit', killOnExit);
    });
    const host = `127.0.0.1:${port}`;
    const deadline = Date.now() + 15_000;
    let up = false;
    while (!exited && Date.now() < deadline) {
      try {
        const res = await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(1_000) });
        await res.arrayBuffer();
        if (res.status === 200) {
          up = true;
          break;
        }
      } catch {
        /* not yet */
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!up) {
      proc.kill('SIGKILL');
      await done;
      lastError = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2000) : '(no log)';
      if (/address already in use/i.test(lastError)) continue;
      break;
    }
    return {
      host,
      data,
      async stop() {
        if (!exited) {
          proc.kill('SIGTERM');
          const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
          await done;
          clearTimeout(timer);
        }
      },
    };
  }
  throw new Error(`docker-registry did not start:\n${lastError}`);
}

async function manifestDigest(host, repo, tag) {
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' },
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`HEAD ${host}/v2/${repo}/manifests/${tag}: HTTP ${res.status}`);
  return res.headers.get('docker-content-digest');
}

/** Removes every image carrying `label` from the engine: all its tags and digest references. */
async function removeImagesLabelled(label) {
  const { stdout } = await docker(['image', 'ls', '-q', '--no-trunc', '--filter', `label=${label}`], { reject: false });
  const ids = [...new Set(stdout.split('\n').filter(Boolean))];
  if (ids.length > 0) await docker(['rmi', '-f', ...ids], { reject: false });
  return ids.length;
}

// --- machine facts -------------------------------------------------------------------------------
async function machineFacts() {
  const server = await docker(['version', '--format', '{{.Server.Version}}'], { reject: false });
  const mem = /MemTotal:\s+(\d+)/.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
  const load = os.loadavg();
  return {
    date: new Date().toISOString(),
    nproc: Number(spawnSync('nproc').stdout.toString().trim()),
    cpuModel: os.cpus()[0]?.model ?? '?',
    memTotalMiB: mem ? Math.round(Number(mem[1]) / 1024) : null,
    dockerServer: server.exitCode === 0 ? server.stdout.trim() : `unavailable: ${server.stderr.trim()}`,
    node: process.version,
    kernel: os.release(),
    // Node 20 parses the CA store at every start while this is set (see EXTRA_CA).
    nodeExtraCaCerts: process.env[EXTRA_CA] ?? null,
    loadAvgAtStart: load.map(r2),
  };
}

// --- the smoke script, exactly as the product builds it --------------------------------------------
async function smokeScript() {
  // dist/ holds bundles only; the script builder comes straight from src/ (bundled on the fly).
  const { build } = await import('esbuild');
  const out = await build({ entryPoints: [path.join(ROOT, 'src', 'checks', 'index.ts')], bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'error' });
  const file = path.join(await tempDir('cascade-bench-script-'), 'checks.mjs');
  await fsp.writeFile(file, out.outputFiles[0].text);
  const m = await import(pathToFileURL(file).href);
  return m.buildSmokeScript(m.WORKER_CONTRACT.checks);
}

// --- bench images: 10 distinct images (good + a LABEL each), pushed under 10 tags -------------------
async function prepareSmallImages(registry) {
  const repo = `${registry.host}/bench/worker`;
  const tags = Array.from({ length: REFERENCES }, (_, i) => `t${i}`);
  // Legacy builder, as fixtures/images/build.sh uses; each LABEL gives a distinct config → distinct image ID and digest.
  await Promise.all(
    tags.map((tag) =>
      docker(
        ['build', '-q', '--rm', '--force-rm', '--label', `${SMALL_LABEL}=1`, '-t', `cascade-bench/worker:${tag}`, '-'],
        { input: `FROM ${BASE_IMAGE}\nLABEL cascade.bench.variant=${tag} cascade.fixture.variant=bench-${tag}\n`, env: { DOCKER_BUILDKIT: '0' } },
      ),
    ),
  );
  const refs = [];
  for (const tag of tags) {
    const ref = `${repo}:${tag}`;
    await docker(['tag', `cascade-bench/worker:${tag}`, ref]);
    refs.push(ref);
  }
  await Promise.all(refs.map((ref) => docker(['push', '-q', ref])));
  const digests = {};
  for (const tag of tags) digests[tag] = `${repo}@${await manifestDigest(registry.host, 'bench/worker', tag)}`;
  return { repo, tags, refs, digests };
}

// =================================================================================================
// 1. start-up
// =================================================================================================
function benchStartup(db, dir, project) {
  const show = `show ${project}`;
  const cases = {
    'node -e 0': [NODE, ['-e', '0']],
    [show]: [NODE, [BIN, 'show', project]],
    list: [NODE, [BIN, 'list']],
  };
  const names = Object.keys(cases);
  const envs = Object.fromEntries(ENVIRONMENTS.map((e) => [e, cliEnv(db, dir, e)]));
  const run = (environment, name) => must(timed(cases[name][0], cases[name][1], { env: envs[environment], cwd: dir }), `${name} (${environment})`);
  // Sanity + warm-up (page cache, sqlite file).
  for (const e of ENVIRONMENTS) for (const name of names) for (let i = 0; i < 2; i++) run(e, name);
  const listLines = run('as is', 'list').stdout.trim().split('\n').length;
  const samples = Object.fromEntries(ENVIRONMENTS.map((e) => [e, Object.fromEntries(names.map((n) => [n, []]))]));
  // Each round runs every case in every environment back to back: one state of the machine.
  for (let i = 0; i < STARTUP_RUNS; i++) for (const e of ENVIRONMENTS) for (const name of names) samples[e][name].push(run(e, name).ms);
  const environments = ENVIRONMENTS.map((environment) => {
    const s = samples[environment];
    const base = median(s['node -e 0']);
    const perRound = (name) => s[name].map((x, i) => x / s['node -e 0'][i]);
    const pairedRatio = { show: r2(median(perRound(show))), list: r2(median(perRound('list'))) };
    return {
      environment,
      medianMs: { nodeE0: r1(base), show: r1(median(s[show])), list: r1(median(s.list)) },
      p90Ms: { nodeE0: r1(pct(s['node -e 0'], 90)), show: r1(pct(s[show], 90)), list: r1(pct(s.list, 90)) },
      ratio: { show: r2(median(s[show]) / base), list: r2(median(s.list) / base) },
      // Median of the per-round ratios: robust to load swings.
      pairedRatio,
      pairedRatioSpread: { show: spread(perRound(show)), list: spread(perRound('list')) },
      samplesMs: Object.fromEntries(names.map((n) => [n, s[n].map(r1)])),
      overheadMs: { show: r1(median(s[show]) - base), list: r1(median(s.list) - base) },
      pass: Math.max(pairedRatio.show, pairedRatio.list) <= TARGETS.startupRatio,
    };
  });
  return {
    runs: STARTUP_RUNS,
    projectsInStore: listLines,
    environments,
    target: `≤ ${TARGETS.startupRatio}× node -e 0`,
    // The target is on the median of the per-round ratios (the issue's "median of interleaved
    // pairs"): each round sees one state of the machine. The ratio of the two medians is shown
    // beside it; on a VM whose speed drifts within a run it moves with the drift.
    pass: environments.every((e) => e.pass),
  };
}

// =================================================================================================
// 2. set on an image already present vs docker pull && inspect && run
// =================================================================================================
const DOCKER_STEPS = String.raw`
set -e
ref=$1; repo=$2; script=$3
docker pull -q "$ref" >/dev/null
pin=$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$ref" | grep -m1 -F "$repo@")
docker run --rm --network none --entrypoint bash "$pin" -c "$script"
`;

async function benchSet(small, script) {
  const ref = small.refs[0];
  const dirs = [];
  const ours = Object.fromEntries(ENVIRONMENTS.map((e) => [e, []]));
  const theirs = Object.fromEntries(ENVIRONMENTS.map((e) => [e, []]));
  // Warm-up, one of each (not counted).
  const warmDir = await tempDir('cascade-bench-set-');
  must(timed(NODE, [BIN, 'set', 'warm', ref, '--create'], { env: cliEnv(path.join(warmDir, 'db', 'store.db'), warmDir), cwd: warmDir }), 'set (warm-up)');
  must(timed('bash', ['-c', DOCKER_STEPS, 'steps', ref, small.repo, script]), 'docker steps (warm-up)');
  for (let i = 0; i < SET_REPS; i++) {
    // One pair per environment, each ours-then-theirs.
    for (const environment of ENVIRONMENTS) {
      const dir = await tempDir('cascade-bench-set-');
      dirs.push(dir);
      const db = path.join(dir, 'db', 'store.db');
      const a = must(timed(NODE, [BIN, 'set', `bench${i}`, ref, '--create'], { env: cliEnv(db, dir, environment), cwd: dir }), `set bench${i} (${environment})`);
      if (!/verified/.test(a.stdout + a.stderr)) throw new Error(`set bench${i} did not report verified:\n${a.stdout}\n${a.stderr}`);
      ours[environment].push(a.ms);
      const b = must(timed('bash', ['-c', DOCKER_STEPS, 'steps', ref, small.repo, script]), 'docker steps');
      theirs[environment].push(b.ms);
    }
  }
  // Every rep really ran its container: each fresh store holds exactly one smoke verdict.
  let containersRun = 0;
  for (const dir of dirs) {
    const db = new Database(path.join(dir, 'db', 'store.db'), { readonly: true, fileMustExist: true });
    containersRun += db.prepare('select count(*) as n from smoke_results').get().n;
    db.close();
  }
  const environments = ENVIRONMENTS.map((environment) => {
    const a = ours[environment];
    const b = theirs[environment];
    const ratios = a.map((x, i) => x / b[i]);
    return {
      environment,
      medianMs: { cascadeSet: r1(median(a)), dockerCli: r1(median(b)) },
      samplesMs: { cascadeSet: a.map(r1), dockerCli: b.map(r1) },
      ratio: r2(median(a) / median(b)),
      pairedRatio: r2(median(ratios)),
      pairedRatioSpread: spread(ratios),
      pass: median(ratios) <= TARGETS.setRatio,
    };
  });
  return {
    reference: ref,
    reps: SET_REPS,
    containersRunByOurSide: containersRun,
    environments,
    target: `≤ ${TARGETS.setRatio}× the docker CLI`,
    pass: environments.every((e) => e.pass),
  };
}

// =================================================================================================
// 3. validate --all over 200 projects / 10 references vs a docker-CLI shell loop
// =================================================================================================
const DOCKER_LOOP = String.raw`
# stdin: "project ref repo" per line; stdout: "project pin exit-code" per line.
script=$(cat "$1")
while read -r project ref repo; do
  docker pull -q "$ref" >/dev/null
  pin=$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$ref" | grep -m1 -F "$repo@")
  docker run --rm --network none --entrypoint bash "$pin" -c "$script" >/dev/null 2>&1
  echo "$project $pin $?"
done
`;

async function makeTemplateStore(small) {
  const dir = await tempDir('cascade-bench-template-');
  const db = path.join(dir, 'store', 'store.db');
  const env = cliEnv(db, dir);
  const projects = Array.from({ length: PROJECTS }, (_, i) => ({ id: `p${String(i).padStart(3, '0')}`, tag: small.tags[i % REFERENCES] }));
  const started = performance.now();
  const one = async (p) => {
    const r = await execa(NODE, [BIN, '-q', 'set', p.id, `${small.repo}:${p.tag}`, '--create', '--no-validate'], { env, cwd: dir, reject: false, stdin: 'ignore' });
    if (r.exitCode !== 0) throw new Error(`set ${p.id} --no-validate exited ${r.exitCode}: ${r.stderr}`);
  };
  await one(projects[0]); // bootstraps the store alone
  let next = 1;
  await Promise.all(
    Array.from({ length: 2 }, async () => {
      while (next < projects.length) await one(projects[next++]);
    }),
  );
  return { dir, db, projects, setupMs: performance.now() - started };
}

async function copyStore(template) {
  const dir = await tempDir('cascade-bench-validate-');
  await fsp.mkdir(path.join(dir, 'store'));
  // The CLI closed the store cleanly (WAL checkpointed); copy whatever files exist.
  for (const f of await fsp.readdir(path.dirname(template.db))) {
    await fsp.copyFile(path.join(path.dirname(template.db), f), path.join(dir, 'store', f));
  }
  return { dir, db: path.join(dir, 'store', 'store.db') };
}

function storeRows(db) {
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return {
      projects: d.prepare('select id, status, digest, error from projects order by id').all(),
      smoke: d.prepare('select count(*) as n from smoke_results').get().n,
    };
  } finally {
    d.close();
  }
}

async function benchValidate(small, script, template) {
  const dir = await tempDir('cascade-bench-loop-');
  const scriptFile = path.join(dir, 'smoke.sh');
  await fsp.writeFile(scriptFile, script);
  const input = template.projects.map((p) => `${p.id} ${small.repo}:${p.tag} ${small.repo}`).join('\n') + '\n';

  const cold = [];
  const warm = [];
  const loops = [];
  const summaries = [];
  let lastOurs;
  let loopOutcome;
  const runOurs = async (rep) => {
    const store = await copyStore(template);
    const env = cliEnv(store.db, store.dir);
    const before = storeRows(store.db);
    if (before.smoke !== 0 || before.projects.some((p) => p.status !== 'pending')) throw new Error('template store is not cold');
    const c = timed(NODE, [BIN, 'validate', '--all'], { env, cwd: store.dir });
    if (c.status !== 0) throw new Error(`validate --all (cold) exited ${c.status}\n${c.stdout.slice(-2000)}\n${c.stderr.slice(-2000)}`);
    cold.push(c.ms);
    const w = timed(NODE, [BIN, 'validate', '--all'], { env, cwd: store.dir });
    if (w.status !== 0) throw new Error(`validate --all (warm) exited ${w.status}\n${w.stdout.slice(-2000)}\n${w.stderr.slice(-2000)}`);
    warm.push(w.ms);
    summaries.push({ rep, cold: c.stdout.trim().split('\n').at(-1), warm: w.stdout.trim().split('\n').at(-1) });
    lastOurs = { ...store, rows: storeRows(store.db) };
    const notVerified = lastOurs.rows.projects.filter((p) => p.status !== 'verified');
    if (notVerified.length > 0) throw new Error(`validate --all left ${notVerified.length} projects not verified, e.g. ${JSON.stringify(notVerified[0])}`);
    log(`  validate --all: cold ${r1(c.ms / 1000)} s, warm ${r1(w.ms / 1000)} s`);
  };
  const runLoop = () => {
    const r = timed('bash', ['-c', DOCKER_LOOP, 'loop', scriptFile], { input, stdio: ['pipe', 'pipe', 'pipe'] });
    if (r.status !== 0) throw new Error(`docker loop exited ${r.status}: ${r.stderr.slice(-2000)}`);
    loops.push(r.ms);
    loopOutcome = r.stdout.trim().split('\n').map((line) => {
      const [project, pin, code] = line.split(' ');
      return { project, pin, code: Number(code) };
    });
    log(`  docker CLI loop: ${r1(r.ms / 1000)} s`);
  };
  // Interleaved: ours, loop, ours, loop, …, ours (ours has more, cheaper reps).
  for (let i = 0; i < Math.max(VALIDATE_REPS, LOOP_REPS); i++) {
    if (i < VALIDATE_REPS) await runOurs(i);
    if (i < LOOP_REPS) runLoop();
  }

  // Identical outcomes: every project verified on both sides, with the same pinned digest.
  const ours = new Map(lastOurs.rows.projects.map((p) => [p.id, p]));
  const mismatches = [];
  for (const l of loopOutcome) {
    const o = ours.get(l.project);
    const ok = o !== undefined && o.status === 'verified' && l.code === 0 && o.digest === l.pin;
    if (!ok) mismatches.push({ project: l.project, ours: o ?? null, dockerCli: l });
  }
  const verifiedOurs = lastOurs.rows.projects.filter((p) => p.status === 'verified').length;
  const verifiedLoop = loopOutcome.filter((l) => l.code === 0).length;
  const distinctPins = new Set(lastOurs.rows.projects.map((p) => p.digest)).size;
  const identical = mismatches.length === 0 && loopOutcome.length === PROJECTS && ours.size === PROJECTS;
  // The pins also match what the registry says each tag is.
  const registryMismatch = template.projects.filter((p) => ours.get(p.id)?.digest !== small.digests[p.tag]).map((p) => p.id);

  const c = median(cold);
  const w = median(warm);
  const l = median(loops);
  return {
    projects: PROJECTS,
    distinctReferences: REFERENCES,
    concurrency: 'default (2)',
    templateSetupMs: r1(template.setupMs),
    reps: { cascadeCold: cold.length, cascadeWarm: warm.length, dockerLoop: loops.length },
    medianMs: { cascadeCold: r1(c), cascadeWarm: r1(w), dockerLoop: r1(l) },
    samplesMs: { cascadeCold: cold.map(r1), cascadeWarm: warm.map(r1), dockerLoop: loops.map(r1) },
    dockerLoopPerProjectMs: r1(l / PROJECTS),
    speedup: { cold: r2(l / c), warm: r2(l / w) },
    summaries,
    smokeVerdictsStoredCold: lastOurs.rows.smoke,
    outcomes: {
      identical,
      verifiedCascade: verifiedOurs,
      verifiedDockerCli: verifiedLoop,
      distinctPins,
      pinsMatchRegistry: registryMismatch.length === 0,
      mismatches: mismatches.slice(0, 5),
    },
    target: `≥ ${TARGETS.validateSpeedup}× faster than the docker CLI loop (cold), identical outcomes`,
    pass: l / c >= TARGETS.validateSpeedup && identical && registryMismatch.length === 0,
    passWarm: l / w >= TARGETS.validateSpeedup,
  };
}

// =================================================================================================
// 5. the same with the store on PostgreSQL (the test cluster of .ci/postgres.sh)
// =================================================================================================
const PG_URL_FILE = `${process.env.CASCADE_PG_DIR ?? '/var/lib/cascade-pg'}/admin-url`;

async function adminSql(url, text) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

/** A database of the bench's own on the test cluster; the CLI connects as the cluster's admin role. */
async function benchDatabase() {
  const admin = process.env.CASCADE_TEST_PG_URL ?? fs.readFileSync(PG_URL_FILE, 'utf8').trim();
  const name = `bench_${process.pid}_${Date.now().toString(36)}`;
  await adminSql(admin, `create database ${name}`);
  const url = (schema) => {
    const u = new URL(admin);
    u.pathname = `/${name}`;
    u.searchParams.set('schema', schema);
    return u.toString();
  };
  return { name, url, sql: (schema, text) => adminSql(url(schema).replace(/[?&]schema=[^&]*/, ''), text.replaceAll('$schema', schema)), drop: () => adminSql(admin, `drop database if exists ${name} with (force)`) };
}

async function benchPostgres(small, script, template, sqliteStartupStore, loopMs) {
  const database = await benchDatabase();
  try {
    const dir = await tempDir('cascade-bench-pg-');
    const tpl = database.url('tpl');
    const env = cliEnv(tpl, dir);
    // The template: the same 200 projects over 10 references, stored pending — SQLite's template, moved by `store copy`.
    const started = performance.now();
    must(timed(NODE, [BIN, '-q', 'store', 'copy', '--to', tpl], { env: cliEnv(template.db, template.dir), cwd: dir }), 'store copy of the template to PostgreSQL');
    log(`  PostgreSQL template ready in ${r1((performance.now() - started) / 1000)} s`);

    // validate --all, cold then warm: the template is made cold again (pending, no smoke cache) before each rep.
    const cold = [];
    const warm = [];
    for (let rep = 0; rep < VALIDATE_REPS; rep++) {
      await database.sql('tpl', `update "$schema".projects set status = 'pending', digest = null, pin_kind = null, error = null, validated_at = null, contract_hash = null, warnings = '[]', inventory = null; delete from "$schema".smoke_results`);
      const c = timed(NODE, [BIN, 'validate', '--all'], { env, cwd: dir });
      if (c.status !== 0) throw new Error(`pg validate --all (cold) exited ${c.status}\n${c.stderr.slice(-2000)}`);
      cold.push(c.ms);
      const w = timed(NODE, [BIN, 'validate', '--all'], { env, cwd: dir });
      if (w.status !== 0) throw new Error(`pg validate --all (warm) exited ${w.status}\n${w.stderr.slice(-2000)}`);
      warm.push(w.ms);
      log(`  pg validate --all: cold ${r1(c.ms / 1000)} s, warm ${r1(w.ms / 1000)} s`);
    }
    const [{ n: verified }] = await database.sql('tpl', `select count(*)::int as n from "$schema".projects where status = 'verified'`);

    // Start-up over the validated 200-project store, interleaved with node -e 0 and SQLite's show.
    const sqliteEnv = cliEnv(sqliteStartupStore.db, sqliteStartupStore.dir);
    const cases = {
      'node -e 0': [NODE, ['-e', '0'], env],
      'show p123 (SQLite)': [NODE, [BIN, 'show', 'p123'], sqliteEnv],
      'show p123 (PostgreSQL)': [NODE, [BIN, 'show', 'p123'], env],
      'list (PostgreSQL)': [NODE, [BIN, 'list'], env],
    };
    const names = Object.keys(cases);
    for (const name of names) for (let i = 0; i < 2; i++) must(timed(cases[name][0], cases[name][1], { env: cases[name][2], cwd: dir }), name);
    const samples = Object.fromEntries(names.map((n) => [n, []]));
    for (let i = 0; i < STARTUP_RUNS; i++) {
      for (const name of names) samples[name].push(must(timed(cases[name][0], cases[name][1], { env: cases[name][2], cwd: dir }), name).ms);
    }
    const base = samples['node -e 0'];
    const ratioTo = (name) => r2(median(samples[name].map((x, i) => x / base[i])));

    // set on a present image, on a store that exists (a shared server's store is created once, not
    // per command): a new project each rep, the smoke cache emptied before it so the container
    // really runs; against the docker CLI steps.
    const ref = small.refs[0];
    const ours = [];
    const theirs = [];
    const setEnv = cliEnv(database.url('set'), dir);
    must(timed(NODE, [BIN, 'set', 'warm', ref, '--create'], { env: setEnv, cwd: dir }), 'pg set (warm-up)');
    for (let i = 0; i < SET_REPS; i++) {
      await database.sql('set', 'delete from "$schema".smoke_results');
      const a = must(timed(NODE, [BIN, 'set', `bench${i}`, ref, '--create'], { env: setEnv, cwd: dir }), `pg set bench${i}`);
      if (!/verified/.test(a.stdout + a.stderr)) throw new Error(`pg set bench${i} did not report verified:\n${a.stdout}\n${a.stderr}`);
      ours.push(a.ms);
      theirs.push(must(timed('bash', ['-c', DOCKER_STEPS, 'steps', ref, small.repo, script]), 'docker steps').ms);
    }
    return {
      server: (await database.sql('tpl', 'select version()'))[0].version.split(' on ')[0],
      startup: {
        runs: STARTUP_RUNS,
        medianMs: Object.fromEntries(names.map((n) => [n, r1(median(samples[n]))])),
        pairedRatioToNodeE0: { showSqlite: ratioTo('show p123 (SQLite)'), showPostgres: ratioTo('show p123 (PostgreSQL)'), listPostgres: ratioTo('list (PostgreSQL)') },
        spreadShowPostgres: spread(samples['show p123 (PostgreSQL)'].map((x, i) => x / base[i])),
      },
      set: {
        reps: SET_REPS,
        medianMs: { cascadeSet: r1(median(ours)), dockerCli: r1(median(theirs)) },
        pairedRatio: r2(median(ours.map((x, i) => x / theirs[i]))),
        pairedRatioSpread: spread(ours.map((x, i) => x / theirs[i])),
      },
      validateAll: {
        projects: PROJECTS,
        verified,
        medianMs: { cold: r1(median(cold)), warm: r1(median(warm)) },
        samplesMs: { cold: cold.map(r1), warm: warm.map(r1) },
        ...(loopMs === undefined ? {} : { speedupVsDockerLoop: { cold: r2(loopMs / median(cold)), warm: r2(loopMs / median(warm)) } }),
      },
    };
  } finally {
    await database.drop().catch(() => undefined);
  }
}

// =================================================================================================
// 4. peak memory of `set` pulling a ~300 MiB image
// =================================================================================================
function cacheDir() {
  if (process.env.CASCADE_BENCH_CACHE) return process.env.CASCADE_BENCH_CACHE;
  const base = process.env.XDG_CACHE_HOME?.startsWith('/') ? process.env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'cascade-image-bench');
}

/** Is the cached registry storage holding bench/big:<version>, blobs included? */
function bigCacheValid(cache) {
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(cache, 'big.json'), 'utf8'));
    if (meta.version !== BIG_VERSION || !meta.blobs.includes(meta.digest)) return undefined;
    const blobs = path.join(cache, 'docker', 'registry', 'v2', 'blobs', 'sha256');
    for (const d of meta.blobs) {
      const hex = d.replace('sha256:', '');
      if (!fs.existsSync(path.join(blobs, hex.slice(0, 2), hex, 'data'))) return undefined;
    }
    return meta;
  } catch {
    return undefined;
  }
}

/** Builds the big image, pushes it, snapshots the registry storage into the cache, removes it from the engine. */
async function buildBigCache(registry, cache) {
  log(`  building the ${BIG_MIB} MiB image (first run; cached afterwards in ${cache})`);
  const local = 'cascade-bench/big:build';
  await docker(
    ['build', '-q', '--rm', '--force-rm', '--label', `${BIG_LABEL}=${BIG_VERSION}`, '-t', local, '-'],
    { input: `FROM ${BASE_IMAGE}\nRUN dd if=/dev/urandom of=/bench-ballast bs=1048576 count=${BIG_MIB} 2>/dev/null\n`, env: { DOCKER_BUILDKIT: '0' } },
  );
  const ref = `${registry.host}/bench/big:${BIG_VERSION}`;
  await docker(['tag', local, ref]);
  log('  pushing it to the registry');
  await docker(['push', '-q', ref]);
  const digest = await manifestDigest(registry.host, 'bench/big', BIG_VERSION);
  const manifest = await (
    await fetch(`http://${registry.host}/v2/bench/big/manifests/${digest}`, { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } })
  ).json();
  const blobs = [digest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)]; // the manifest is a blob too
  const bytes = manifest.layers.reduce((n, l) => n + l.size, 0);
  await removeImagesLabelled(`${BIG_LABEL}=${BIG_VERSION}`);
  await fsp.rm(cache, { recursive: true, force: true });
  await fsp.mkdir(cache, { recursive: true });
  // Only the big repository's storage (the registry may already hold other bench repos).
  const v2 = path.join(registry.data, 'docker', 'registry', 'v2');
  const dst = path.join(cache, 'docker', 'registry', 'v2');
  await fsp.mkdir(path.join(dst, 'repositories', 'bench'), { recursive: true });
  await fsp.cp(path.join(v2, 'repositories', 'bench', 'big'), path.join(dst, 'repositories', 'bench', 'big'), { recursive: true });
  for (const d of blobs) {
    const hex = d.replace('sha256:', '');
    await fsp.cp(path.join(v2, 'blobs', 'sha256', hex.slice(0, 2), hex), path.join(dst, 'blobs', 'sha256', hex.slice(0, 2), hex), { recursive: true });
  }
  const meta = { version: BIG_VERSION, repo: 'bench/big', tag: BIG_VERSION, digest, blobs, compressedBytes: bytes, createdAt: new Date().toISOString() };
  await fsp.writeFile(path.join(cache, 'big.json'), JSON.stringify(meta, null, 2));
  return meta;
}

/** Runs a command under GNU time and polls the grandchild's VmHWM as a cross-check. */
async function peakRss(argv, opts) {
  const dir = await tempDir('cascade-bench-time-');
  const timeFile = path.join(dir, 'time.txt');
  const started = performance.now();
  const child = execa('/usr/bin/time', ['-o', timeFile, '-f', '%M %e %U %S', ...argv], { ...opts, reject: false, stdin: 'ignore' });
  let hwmKiB = 0;
  let target;
  const poll = setInterval(() => {
    try {
      if (target === undefined) {
        const kids = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
        if (kids !== '') target = Number(kids.split(/\s+/)[0]);
      }
      if (target !== undefined) {
        const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${target}/status`, 'utf8'));
        if (m) hwmKiB = Math.max(hwmKiB, Number(m[1]));
      }
    } catch {
      /* exited or not yet started */
    }
  }, 20);
  const r = await child;
  clearInterval(poll);
  const ms = performance.now() - started;
  const [maxKiB, , user, sys] = fs.readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
  return { r, ms, gnuTimeKiB: maxKiB, vmHwmKiB: hwmKiB, cpuMs: (user + sys) * 1000 };
}

async function benchMemory(registry, cache, small) {
  let meta = bigCacheValid(cache);
  const cachedBefore = meta !== undefined;
  if (!cachedBefore) meta = await buildBigCache(registry, cache);
  const ref = `${registry.host}/bench/big:${BIG_VERSION}`;
  const digestRef = `${registry.host}/bench/big@${meta.digest}`;
  // The engine must not hold the image (nor its ballast layer): `set` must really download it.
  await removeImagesLabelled(`${BIG_LABEL}=${BIG_VERSION}`);
  const present = await docker(['image', 'inspect', ref], { reject: false });
  if (present.exitCode === 0) throw new Error(`${ref} is still in the engine after rmi`);

  const dir = await tempDir('cascade-bench-mem-');
  const db = path.join(dir, 'db', 'store.db');
  log(`  set pulling ${r1(meta.compressedBytes / 1048576)} MiB (compressed) under /usr/bin/time`);
  const m = await peakRss([NODE, BIN, 'set', 'big', ref, '--create'], { env: cliEnv(db, dir), cwd: dir });
  if (m.r.exitCode !== 0) throw new Error(`set big exited ${m.r.exitCode}\n${m.r.stdout}\n${m.r.stderr}`);
  const rows = storeRows(db);
  const verified = rows.projects[0]?.status === 'verified' && rows.projects[0]?.digest === digestRef;

  // For context: the same command on a small image already present (nothing downloaded).
  let presentKiB = null;
  if (small !== undefined) {
    const d2 = await tempDir('cascade-bench-mem-');
    const b = await peakRss([NODE, BIN, 'set', 'small', small.refs[0], '--create'], { env: cliEnv(path.join(d2, 'db', 'store.db'), d2), cwd: d2 });
    if (b.r.exitCode === 0) presentKiB = Math.max(b.gnuTimeKiB, b.vmHwmKiB);
  }

  // For context only: the same pull by the docker CLI (after removing the image again).
  await removeImagesLabelled(`${BIG_LABEL}=${BIG_VERSION}`);
  const p = timed('docker', ['pull', '-q', ref]);
  const peak = Math.max(m.gnuTimeKiB, m.vmHwmKiB) / 1024;
  return {
    reference: ref,
    imageCachedBeforeRun: cachedBefore,
    compressedLayerMiB: r1(meta.compressedBytes / 1048576),
    setWallMs: r1(m.ms),
    setCpuMs: r1(m.cpuMs),
    dockerPullWallMs: p.status === 0 ? r1(p.ms) : null,
    peakRssMiB: { gnuTime: r1(m.gnuTimeKiB / 1024), procVmHWM: r1(m.vmHwmKiB / 1024) },
    peakRssMiBSetWithoutDownload: presentKiB === null ? null : r1(presentKiB / 1024),
    verifiedWithPulledDigest: verified,
    target: `≤ ${TARGETS.peakRssMiB} MiB peak RSS of the cascade-image process`,
    pass: peak <= TARGETS.peakRssMiB && verified,
  };
}

// =================================================================================================
// diagnostic (no target): what loading each heavy dependency costs, in a fresh process
// =================================================================================================
// Each vendor bundle of the installed package loaded through its own code-cache loader, one after
// the other in one fresh process, plus the SQLite addon: what a command pays on first use of each.
const MODULE_PROBE = String.raw`
const path = require('node:path');
const dir = process.argv[1];
const out = {};
let t = performance.now();
const { BundleLoader, cacheDirectory, runtimeKey } = require(path.join(dir, 'dist', 'boot.cjs'));
out['boot.cjs'] = performance.now() - t;
const loader = new BundleLoader({ cacheDir: cacheDirectory(process.env), runtimeKey: runtimeKey({ version: process.version, v8: process.versions.v8, arch: process.arch, execArgv: process.execArgv, nodeOptions: process.env.NODE_OPTIONS }), pid: process.pid });
for (const name of ['dockerode', 'docker-ssh', 'kysely', 'zod', 'execa', 'ora', 'cli-progress']) {
  t = performance.now();
  loader.load(path.join(dir, 'dist', 'vendor', name + '.cjs'));
  out[name] = performance.now() - t;
}
t = performance.now();
require(require.resolve('better-sqlite3/build/Release/better_sqlite3.node', { paths: [dir] }));
out['better-sqlite3 addon'] = performance.now() - t;
out.rssMiB = process.memoryUsage().rss / 1048576;
loader.saveCaches();
process.stdout.write(JSON.stringify(out));
`;
async function benchModules(runs = 7) {
  const env = { ...process.env, XDG_CACHE_HOME: await tempDir('cascade-bench-probe-') };
  const probe = () => JSON.parse(must(timed(NODE, ['-e', MODULE_PROBE, INSTALLED], { cwd: ROOT, env }), 'module probe').stdout);
  const cold = probe(); // compiles and writes the caches
  const samples = Array.from({ length: runs }, probe);
  const keys = Object.keys(samples[0]);
  return {
    note: 'vendor bundles of the installed package loaded one after the other through the code-cache loader in a fresh process; cold = first run (compile, caches written), warm = median of the runs after it; rssMiB after loading all',
    runs,
    coldMs: Object.fromEntries(keys.map((k) => [k, r1(cold[k])])),
    medianMs: Object.fromEntries(keys.map((k) => [k, r1(median(samples.map((x) => x[k])))])),
  };
}

// =================================================================================================
// main
// =================================================================================================
const results = { bench: 'cascade-image', command: `node test/bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim() };
let registry;
let exitCode = 0;
try {
  if (!fs.existsSync(BIN)) throw new Error(`${BIN} missing: run npm run build && node scripts/install-package.mjs (or npm run bench)`);
  results.machine = await machineFacts();
  if (results.machine.dockerServer.startsWith('unavailable')) throw new Error(`no Docker engine (${results.machine.dockerServer}); run: bash .ci/engine.sh`);
  const fixtures = await execa('bash', [path.join(ROOT, 'fixtures', 'images', 'build.sh')], { cwd: ROOT, reject: false, stdin: 'ignore' });
  if (fixtures.exitCode !== 0) throw new Error(`fixtures/images/build.sh failed:\n${fixtures.stderr}`);
  log(`machine: ${results.machine.nproc} cores, ${results.machine.memTotalMiB} MiB, Docker ${results.machine.dockerServer}, node ${results.machine.node}, load ${results.machine.loadAvgAtStart.join(' ')}`);

  // Leftovers of an interrupted earlier run.
  await removeImagesLabelled(`${SMALL_LABEL}=1`);

  const cache = cacheDir();
  registry = await startRegistry(bigCacheValid(cache) ? cache : undefined);
  log(`registry on ${registry.host}`);
  const script = await smokeScript();

  const needSmall = ONLY.has('startup') || ONLY.has('set') || ONLY.has('validate') || ONLY.has('postgres');
  const small = needSmall ? await prepareSmallImages(registry) : undefined;
  if (small) log(`pushed ${small.refs.length} distinct images as ${small.repo}:t0..t${REFERENCES - 1}`);

  let template;
  if (ONLY.has('validate') || ONLY.has('startup')) {
    log(`creating the template store: ${PROJECTS} projects over ${REFERENCES} references (set --no-validate)`);
    template = await makeTemplateStore(small);
    log(`  template ready in ${r1(template.setupMs / 1000)} s`);
  }
  let startupStore;
  if (ONLY.has('validate')) {
    log(`3. validate --all: ${VALIDATE_REPS}× cascade (cold + warm), ${LOOP_REPS}× docker CLI loop`);
    results.validateAll = await benchValidate(small, script, template);
  }
  if (ONLY.has('startup')) {
    // A realistic store: the 200 projects validated once (verified, with runs and audit rows).
    startupStore = await copyStore(template);
    must(timed(NODE, [BIN, '-q', 'validate', '--all'], { env: cliEnv(startupStore.db, startupStore.dir), cwd: startupStore.dir }), 'validate --all (startup store)');
    log(`1. start-up: ${STARTUP_RUNS} interleaved runs each`);
    results.startup = benchStartup(startupStore.db, startupStore.dir, 'p123');
  }
  if (ONLY.has('anatomy') && startupStore) {
    log(`diagnostic: the start-up layer by layer, ${STARTUP_RUNS} interleaved rounds`);
    results.startupAnatomy = await benchAnatomy({
      installedTree: path.join(ROOT, '.tmp', 'installed'),
      workDir: await tempDir('cascade-bench-anatomy-'),
      project: 'p123',
      rounds: STARTUP_RUNS,
      environments: ENVIRONMENTS,
      envFor: (environment) => cliEnv(startupStore.db, startupStore.dir, environment),
      cwd: startupStore.dir,
    });
  }
  if (ONLY.has('set')) {
    log(`2. set on a present image: ${SET_REPS} interleaved reps`);
    results.set = await benchSet(small, script);
  }
  if (ONLY.has('postgres') && small && template && startupStore) {
    log('5. the same on PostgreSQL');
    results.postgres = await benchPostgres(small, script, template, startupStore, results.validateAll?.medianMs.dockerLoop);
  }
  if (ONLY.has('modules')) {
    log('diagnostic: module load costs');
    results.moduleLoad = await benchModules();
  }
  if (ONLY.has('memory')) {
    log('4. peak memory of set pulling a big image');
    results.memory = await benchMemory(registry, cache, small);
  }
} catch (error) {
  results.error = error instanceof Error ? error.message : String(error);
  console.error(`bench: ${results.error}`);
  exitCode = 1;
} finally {
  log('cleaning up');
  if (registry) await registry.stop().catch(() => undefined);
  await removeImagesLabelled(`${SMALL_LABEL}=1`).catch(() => undefined);
  await removeImagesLabelled(`${BIG_LABEL}=${BIG_VERSION}`).catch(() => undefined);
  for (const dir of tempDirs) await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
}
results.runtimeSec = r1((performance.now() - t0) / 1000);
results.machine && (results.machine.loadAvgAtEnd = os.loadavg().map(r2));

// --- report --------------------------------------------------------------------------------------
const verdict = (pass) => (pass ? 'PASS' : 'MISS');
const lines = [];
const m = results.machine;
if (m) {
  lines.push(`cascade-image bench — ${m.date}`);
  lines.push(`machine: ${m.nproc} cores (${m.cpuModel}), ${m.memTotalMiB} MiB RAM, Docker ${m.dockerServer}, node ${m.node}, kernel ${m.kernel}, load ${m.loadAvgAtStart.join('/')} → ${m.loadAvgAtEnd.join('/')}`);
  if (m.nodeExtraCaCerts) lines.push(`environment: ${EXTRA_CA}=${m.nodeExtraCaCerts} (start-up and set measured with it and without it)`);
}
lines.push('');
if (results.startup) {
  const s = results.startup;
  lines.push(`1. start-up (store of ${s.projectsInStore} projects; median of ${s.runs} interleaved rounds)`);
  for (const e of s.environments) {
    lines.push(`   environment ${e.environment}`);
    lines.push(`     node -e 0          ${String(e.medianMs.nodeE0).padStart(8)} ms`);
    lines.push(`     show p123          ${String(e.medianMs.show).padStart(8)} ms   ${e.ratio.show}×   (+${e.overheadMs.show} ms)`);
    lines.push(`     list               ${String(e.medianMs.list).padStart(8)} ms   ${e.ratio.list}×   (+${e.overheadMs.list} ms)`);
    lines.push(`     median of per-round ratios: show ${e.pairedRatio.show}× (${spreadText(e.pairedRatioSpread.show)}), list ${e.pairedRatio.list}× (${spreadText(e.pairedRatioSpread.list)}): ${verdict(e.pass)}`);
  }
  lines.push(`   target ${s.target} (median of per-round ratios${s.environments.length > 1 ? ', in each environment' : ''}): ${verdict(s.pass)}`);
  lines.push('');
}
if (results.set) {
  const s = results.set;
  lines.push(`2. set on a present image (median of ${s.reps} interleaved reps per environment; fresh store each, ${s.containersRunByOurSide} containers run)`);
  for (const e of s.environments) {
    lines.push(`   environment ${e.environment}`);
    lines.push(`     cascade-image set  ${String(e.medianMs.cascadeSet).padStart(8)} ms`);
    lines.push(`     docker pull+inspect+run ${String(e.medianMs.dockerCli).padStart(5)} ms`);
    lines.push(`     median of per-rep ratios ${e.pairedRatio}× (${spreadText(e.pairedRatioSpread)}); ratio of the medians ${e.ratio}×: ${verdict(e.pass)}`);
  }
  lines.push(`   target ${s.target} (median of per-rep ratios${s.environments.length > 1 ? ', in each environment' : ''}): ${verdict(s.pass)}`);
  lines.push('');
}
if (results.validateAll) {
  const v = results.validateAll;
  lines.push(`3. validate --all, ${v.projects} projects / ${v.distinctReferences} references (medians; reps cold ${v.reps.cascadeCold}, warm ${v.reps.cascadeWarm}, loop ${v.reps.dockerLoop})`);
  lines.push(`   cascade cold         ${String(v.medianMs.cascadeCold).padStart(8)} ms   ${v.speedup.cold}× faster`);
  lines.push(`   cascade warm         ${String(v.medianMs.cascadeWarm).padStart(8)} ms   ${v.speedup.warm}× faster`);
  lines.push(`   docker CLI loop      ${String(v.medianMs.dockerLoop).padStart(8)} ms   (${v.dockerLoopPerProjectMs} ms/project)`);
  lines.push(`   outcomes: cascade ${v.outcomes.verifiedCascade}/${v.projects} verified, docker ${v.outcomes.verifiedDockerCli}/${v.projects} exit 0, ${v.outcomes.distinctPins} distinct pins, identical: ${v.outcomes.identical}, pins = registry: ${v.outcomes.pinsMatchRegistry}`);
  lines.push(`   last cold summary: ${v.summaries.at(-1)?.cold}`);
  lines.push(`   last warm summary: ${v.summaries.at(-1)?.warm}`);
  lines.push(`   target ${v.target}: ${verdict(v.pass)}   (warm: ${verdict(v.passWarm)})`);
  lines.push('');
}
if (results.memory) {
  const x = results.memory;
  lines.push(`4. peak memory of set pulling ${x.compressedLayerMiB} MiB (image ${x.imageCachedBeforeRun ? 'from cache' : 'built this run'})`);
  lines.push(`   peak RSS             ${x.peakRssMiB.gnuTime} MiB (GNU time %M), ${x.peakRssMiB.procVmHWM} MiB (VmHWM poll); set on a present small image: ${x.peakRssMiBSetWithoutDownload ?? '?'} MiB`);
  lines.push(`   set wall             ${x.setWallMs} ms, CPU ${x.setCpuMs} ms   (docker pull alone: ${x.dockerPullWallMs} ms)   verified with the pulled digest: ${x.verifiedWithPulledDigest}`);
  lines.push(`   target ${x.target}: ${verdict(x.pass)}`);
  lines.push('');
}
if (results.postgres) {
  const p = results.postgres;
  const st = p.startup;
  lines.push(`5. with the store on PostgreSQL (${p.server}, loopback test cluster; no target — beside SQLite's figures)`);
  lines.push(`   start-up, median of ${st.runs} interleaved rounds, ratio to node -e 0: show SQLite ${st.pairedRatioToNodeE0.showSqlite}×, show PostgreSQL ${st.pairedRatioToNodeE0.showPostgres}× (${spreadText(st.spreadShowPostgres)}), list PostgreSQL ${st.pairedRatioToNodeE0.listPostgres}×`);
  lines.push(`   medians: ${Object.entries(st.medianMs).map(([k, v]) => `${k} ${v} ms`).join(', ')}`);
  lines.push(`   set on a present image: ${p.set.medianMs.cascadeSet} ms vs docker CLI ${p.set.medianMs.dockerCli} ms, per-rep ratio ${p.set.pairedRatio}× (${spreadText(p.set.pairedRatioSpread)})`);
  const speed = p.validateAll.speedupVsDockerLoop;
  lines.push(`   validate --all ${p.validateAll.projects}/${REFERENCES}: cold ${p.validateAll.medianMs.cold} ms, warm ${p.validateAll.medianMs.warm} ms${speed ? ` (${speed.cold}× / ${speed.warm}× the docker CLI loop)` : ''}; ${p.validateAll.verified}/${p.validateAll.projects} verified`);
  lines.push('');
}
if (results.startupAnatomy) {
  lines.push(...anatomyLines(results.startupAnatomy), '');
}
if (results.moduleLoad) {
  const ml = results.moduleLoad.medianMs;
  lines.push(`diagnostic: first use of each bundle in a fresh process, warm code cache (median of ${results.moduleLoad.runs}; no target)`);
  lines.push(`   ${Object.entries(ml).map(([k, v]) => `${k} ${v}${k === 'rssMiB' ? ' MiB' : ' ms'}`).join(', ')}`);
  lines.push(`   cold (no cache): ${Object.entries(results.moduleLoad.coldMs).filter(([k]) => k !== 'rssMiB').map(([k, v]) => `${k} ${v} ms`).join(', ')}`);
  lines.push('');
}
if (results.error) lines.push(`ERROR: ${results.error}`);
lines.push(`total bench runtime ${results.runtimeSec} s`);
console.log(lines.join('\n'));

if (!results.error || Object.keys(results).some((k) => ['startup', 'set', 'validateAll', 'memory', 'postgres'].includes(k))) {
  results.targets = TARGETS;
  // The last three runs, oldest first: a target is met when all three meet it.
  let previous = [];
  try {
    previous = JSON.parse(fs.readFileSync(RESULTS_FILE, 'utf8')).runs ?? [];
  } catch {
    /* none yet, or the old single-run format */
  }
  const runs = [...previous, results].slice(-3);
  fs.writeFileSync(RESULTS_FILE, `${JSON.stringify({ bench: 'cascade-image', note: 'the last three runs of npm run bench, oldest first', runs }, null, 2)}\n`);
  console.log(`results written to ${path.relative(ROOT, RESULTS_FILE)} (run ${runs.length} of the last three)`);
}
process.exit(exitCode);
