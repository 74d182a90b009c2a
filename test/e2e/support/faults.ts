// Helpers for the fault suite (test/e2e/faults.test.ts): things that go wrong around a validation,
// staged for real. Everything here is scoped to what the calling test created (its own run ids,
// its own labels, its own image names), because the engine is shared with other suites.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { onTestFinished } from 'vitest';
import { containerCreateEvents, MANAGED_LABEL, type CliProcess, type EngineEvent, type RunRow, type StoreSnapshot } from './cli.js';

/** Label our tests put on containers they create themselves (never one cascade-image uses). */
export const TEST_LABEL = 'io.cascade-image.test.faults';
export const RUN_ID_LABEL = 'io.cascade-image.run-id';

/** A short random suffix for names on the shared engine and registry. */
export function nonce(): string {
  return randomBytes(4).toString('hex');
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every `everyMs` until it returns something other than undefined; throws after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

const docker = (args: string[], input?: string) =>
  execa('docker', args, { reject: false, ...(input === undefined ? { stdin: 'ignore' as const } : { input }), env: { DOCKER_BUILDKIT: '0' } });

async function dockerOut(args: string[], input?: string): Promise<string> {
  const r = await docker(args, input);
  if (r.exitCode !== 0) throw new Error(`docker ${args.join(' ')} failed (exit ${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout.trim();
}

/** Containers (any state) carrying `key=value`, whoever created them; IDs, full length. */
export async function containersWithLabel(key: string, value: string): Promise<string[]> {
  const out = await dockerOut(['ps', '-a', '-q', '--no-trunc', '--filter', `label=${key}=${value}`]);
  return out === '' ? [] : out.split('\n');
}

/** Running containers of one validation run (its run-id label). */
export async function runningContainersOfRun(runId: string): Promise<string[]> {
  const out = await dockerOut(['ps', '-q', '--no-trunc', '--filter', `label=${MANAGED_LABEL}=true`, '--filter', `label=${RUN_ID_LABEL}=${runId}`]);
  return out === '' ? [] : out.split('\n');
}

/** Force-removes the containers of the given validation runs (ours only: filtered by run id). */
export async function removeContainersOfRuns(runIds: readonly string[]): Promise<void> {
  for (const runId of runIds) {
    const ids = await containersWithLabel(RUN_ID_LABEL, runId).catch(() => []);
    if (ids.length > 0) await docker(['rm', '-f', ...ids]);
  }
}

/** Removes, when the test finishes, every container left by the runs this store recorded. */
export function cleanUpRunsOf(store: () => StoreSnapshot): void {
  onTestFinished(async () => {
    const snapshot = store();
    if (!snapshot.exists) return;
    await removeContainersOfRuns(snapshot.runs().map((run) => run.run_id));
  });
}

/**
 * Waits until `project` has an unfinished validation run in the store whose smoke-test container
 * is running, and returns both. Scoped by run id: other suites' containers never match.
 */
export async function waitForSmokeContainer(store: StoreSnapshot, project: string, timeoutMs = 60_000): Promise<{ run: RunRow; containerId: string }> {
  return waitFor(
    `a running smoke-test container of ${project}`,
    async () => {
      if (!store.exists) return undefined;
      let runs: RunRow[];
      try {
        runs = store.runs(project);
      } catch {
        return undefined; // the store is still being created (tables not there yet)
      }
      const run = runs.filter((r) => r.finished_at === null).at(-1);
      if (run === undefined) return undefined;
      const [containerId] = await runningContainersOfRun(run.run_id);
      return containerId === undefined ? undefined : { run, containerId };
    },
    timeoutMs,
  );
}

/** Container `create` events of one validation run (label run-id) since `since`, from the engine's event log. */
export function createEventsOfRun(since: Date, runId: string): Promise<EngineEvent[]> {
  return containerCreateEvents(since, [`${RUN_ID_LABEL}=${runId}`]);
}

/** The NDJSON lines a live `--json` process printed so far, and a way to wait for one. */
export function ndjson(proc: CliProcess): { events: Array<Record<string, unknown>>; waitFor: (pred: (e: Record<string, unknown>) => boolean, timeoutMs?: number) => Promise<Record<string, unknown>> } {
  const events: Array<Record<string, unknown>> = [];
  let buffered = '';
  let ended = false;
  const waiters: Array<() => void> = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  proc.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        events.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        /* not JSON: ignored here, still in the process's stdout */
      }
    }
    wake();
  });
  proc.once('exit', () => {
    ended = true;
    wake();
  });
  return {
    events,
    async waitFor(pred, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find(pred);
        if (found !== undefined) return found;
        if (ended) throw new Error(`the process ended without the awaited event; it printed:\n${events.map((e) => JSON.stringify(e)).join('\n')}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for an event; got so far:\n${events.map((e) => JSON.stringify(e)).join('\n')}`);
        await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), sleep(500)]);
      }
    },
  };
}

// --- images built by the tests -----------------------------------------------------------------

/**
 * Local images and registry tags created through these helpers, removed by `removeAll`: every name,
 * then every image built here by ID (a pushed image keeps `repo@digest` references that outlive its tags).
 */
export class ImageJanitor {
  private readonly names = new Set<string>();
  private readonly ids = new Set<string>();
  private readonly configDirs = new Set<string>();

  track(name: string): string {
    this.names.add(name);
    return name;
  }

  trackId(id: string): string {
    this.ids.add(id);
    return id;
  }

  async tempDockerConfig(): Promise<string> {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cascade-faults-docker-config-'));
    this.configDirs.add(dir);
    return dir;
  }

  async removeAll(): Promise<void> {
    if (this.names.size > 0) await docker(['image', 'rm', '-f', ...this.names]);
    if (this.ids.size > 0) await docker(['image', 'rm', '-f', ...this.ids]);
    this.names.clear();
    this.ids.clear();
    for (const dir of this.configDirs) await fsp.rm(dir, { recursive: true, force: true });
    this.configDirs.clear();
  }
}

/**
 * `docker build -` (legacy builder, no network) of a Dockerfile read from stdin, tagged `name`;
 * returns the image ID. `FROM` may use the build-arg BASE. Every build gets a label of its own, so
 * its image ID is its own too (the build cache would otherwise hand the same ID to every run) and
 * removing it by ID never takes an image from anyone else.
 */
export async function buildImage(janitor: ImageJanitor, name: string, dockerfile: string, buildArgs: Record<string, string> = {}): Promise<string> {
  janitor.track(name);
  const args = Object.entries(buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
  await dockerOut(['build', '-q', '--rm', '--force-rm', '--network', 'none', '--label', `${TEST_LABEL}=${nonce()}`, ...args, '-t', name, '-'], dockerfile);
  return janitor.trackId(await dockerOut(['image', 'inspect', '--format', '{{.Id}}', name]));
}

/**
 * A worker image that passes every check, slowly: `cascade-tools --version` sleeps `seconds`
 * first. Built FROM the good fixture.
 */
export function slowDockerfile(seconds: number): string {
  return [
    'ARG BASE',
    'FROM ${BASE}',
    `RUN printf '#!/bin/sh\\nsleep ${seconds}\\necho "cascade-tools 0.1.0 (slow fixture)"\\n' > /usr/local/bin/cascade-tools && chmod 755 /usr/local/bin/cascade-tools`,
    '',
  ].join('\n');
}

/** A distinct image (its own config, so its own digest) that is otherwise the base: FROM BASE + a label. */
export function variantDockerfile(tag: string): string {
  return ['ARG BASE', 'FROM ${BASE}', `LABEL io.cascade-image.test.variant="${tag}"`, ''].join('\n');
}

/**
 * Pushes two tiny images built for linux/arm64 and linux/s390x (FROM scratch, one file, legacy
 * `docker build --platform`) and a manifest list of the two as `<registry>/<repo>:<tag>`; none of
 * them is for this engine's platform. Returns the list's reference. The local per-arch images are
 * removed again right after the push (the list is pulled from the registry).
 */
export async function pushForeignPlatformList(janitor: ImageJanitor, registry: string, repo: string, tag: string): Promise<string> {
  const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'cascade-faults-platform-'));
  try {
    const parts: string[] = [];
    for (const arch of ['arm64', 's390x']) {
      const ctx = path.join(work, arch);
      await fsp.mkdir(ctx);
      await fsp.writeFile(path.join(ctx, 'arch.txt'), `${arch}\n`);
      // COPY only (no LABEL): the legacy builder makes LABEL steps for the host platform.
      await fsp.writeFile(path.join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY arch.txt /arch.txt\n');
      const ref = janitor.track(`${registry}/${repo}:${tag}-${arch}`);
      await dockerOut(['build', '-q', '--no-cache', '--platform', `linux/${arch}`, '-t', ref, ctx]);
      janitor.trackId(await dockerOut(['image', 'inspect', '--format', '{{.Id}}', ref]));
      const built = await dockerOut(['image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', ref]);
      if (built !== `linux/${arch}`) throw new Error(`docker build --platform linux/${arch} made a ${built} image`);
      await dockerOut(['push', '--quiet', ref]);
      parts.push(ref);
    }
    // The manifest commands keep state in the client config: use a throwaway one, never ~/.docker.
    const config = await janitor.tempDockerConfig();
    const list = `${registry}/${repo}:${tag}`;
    await dockerOut(['--config', config, 'manifest', 'create', '--insecure', list, ...parts]);
    await dockerOut(['--config', config, 'manifest', 'push', '--purge', '--insecure', list]);
    await docker(['image', 'rm', '-f', ...parts]);
    return list;
  } finally {
    await fsp.rm(work, { recursive: true, force: true });
  }
}

// --- a unix-socket proxy in front of the engine ------------------------------------------------

/** The engine's unix socket, as the suite's docker CLI reaches it. */
export function engineSocket(): string {
  const host = process.env.DOCKER_HOST;
  if (host === undefined || host === '') return '/var/run/docker.sock';
  if (host.startsWith('unix://')) return host.slice('unix://'.length);
  throw new Error(`the engine proxy only forwards to a unix socket; DOCKER_HOST is ${host}`);
}

export interface EngineProxy {
  /** `unix://<socket>`: point DOCKER_HOST here. */
  readonly url: string;
  /** Resolves when a client has started a pull (POST …/images/create) and its response headers came back. */
  readonly pullStarted: Promise<void>;
  /** The engine "restarts": every open connection is cut, new ones are still accepted. */
  cut(): void;
  /** The engine "stops": the socket stops accepting, every open connection is cut. */
  stop(): Promise<void>;
}

/**
 * A tiny proxy on a unix socket that forwards every connection to the engine's socket. For pull
 * requests it forwards the response headers and then holds the rest of the response back, so a
 * client is surely in the middle of reading the pull stream when the proxy is stopped.
 */
export async function startEngineProxy(): Promise<EngineProxy> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cascade-faults-proxy-'));
  const socketPath = path.join(dir, 'docker.sock');
  const target = engineSocket();
  const sockets = new Set<net.Socket>();
  let signalPull: () => void = () => undefined;
  const pullStarted = new Promise<void>((resolve) => {
    signalPull = resolve;
  });

  const server = net.createServer((client) => {
    const upstream = net.createConnection(target);
    sockets.add(client);
    sockets.add(upstream);
    let isPull = false;
    let headersPassed = false;
    let held = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      if (/^POST \/(v[\d.]+\/)?images\/create\b/m.test(chunk.toString('latin1'))) isPull = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!isPull) {
        client.write(chunk);
        return;
      }
      if (headersPassed) {
        held = Buffer.concat([held, chunk]);
      } else {
        const all = Buffer.concat([held, chunk]);
        const end = all.indexOf('\r\n\r\n');
        if (end < 0) {
          held = all;
          return;
        }
        client.write(all.subarray(0, end + 4));
        held = all.subarray(end + 4);
        headersPassed = true;
        signalPull();
      }
    });
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });

  let stopped = false;
  const cut = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    cut();
    await closed;
    await fsp.rm(dir, { recursive: true, force: true });
  };
  onTestFinished(stop);
  return { url: `unix://${socketPath}`, pullStarted, cut, stop };
}

// --- memory ------------------------------------------------------------------------------------

/**
 * Samples a process's peak resident set (VmHWM, kB) from /proc until it exits; resolves to the
 * highest value seen (VmHWM is itself a high-water mark, so sampling only misses the last moments).
 */
export function watchPeakRss(pid: number, everyMs = 20): { stop: () => number } {
  let peakKb = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
      if (match?.[1] !== undefined) peakKb = Math.max(peakKb, Number(match[1]));
    } catch {
      /* gone */
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return peakKb;
    },
  };
}

// --- a read-only folder ------------------------------------------------------------------------

/**
 * Mounts a read-only tmpfs on `dir` (root can write through permission bits, not through a
 * read-only mount); `populate` runs first on a writable tmpfs, then it is remounted read-only.
 * Unmounted when the test finishes. Resolves false if mounting is not permitted here.
 */
export async function readOnlyMount(dir: string, populate?: (dir: string) => Promise<void>): Promise<boolean> {
  await fsp.mkdir(dir, { recursive: true });
  const mount = await execa('mount', ['-t', 'tmpfs', '-o', 'rw,size=4m,mode=0755', 'tmpfs', dir], { reject: false, stdin: 'ignore' });
  if (mount.exitCode !== 0) return false;
  onTestFinished(async () => {
    await execa('umount', [dir], { reject: false, stdin: 'ignore' });
  });
  if (populate !== undefined) await populate(dir);
  const ro = await execa('mount', ['-o', 'remount,ro', dir], { reject: false, stdin: 'ignore' });
  if (ro.exitCode !== 0) throw new Error(`mount -o remount,ro ${dir} failed: ${ro.stderr}`);
  return true;
}

/** Every file under `dir` with its bytes' sha256, for "nothing was touched" comparisons. */
export async function fileHashes(dir: string): Promise<Record<string, string>> {
  const { createHash } = await import('node:crypto');
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const entry of await fsp.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
    out[path.relative(dir, file)] = createHash('sha256').update(await fsp.readFile(file)).digest('hex');
  }
  return out;
}
