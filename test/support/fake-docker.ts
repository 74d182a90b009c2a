import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageConfig, PullProgress } from '../../src/domain/index.js';
import { DockerFailure } from '../../src/errors.js';
import { preparedSmokeTest, type DockerPort, type EngineVersion, type ImageFacts, type OurContainer, type PreparedSmokeTest, type PullResult, type SmokeRunResult, type SmokeRunSpec } from '../../src/ports/docker.js';

/** A fake image: its identity plus the tools on its PATH, as bash stub bodies. */
export interface FakeImage {
  readonly id: string;
  readonly tools: Readonly<Record<string, string>>;
  readonly hasBash?: boolean;
  /** The platform the image says it is for; linux/amd64 (the fake engine's) when left out. */
  readonly platform?: { readonly os: string; readonly architecture: string; readonly variant?: string };
  /** The image's configuration, over IMPORTED_CONFIG; its os and architecture come from `platform`. */
  readonly config?: Partial<ImageConfig>;
}

/**
 * The configuration a `docker import`ed image has, as fixtures/images/build.sh makes `good`
 * (recorded in test/fixtures/inspect/imported-good.json): no user, no entrypoint, CMD ["/bin/sh"].
 */
export const IMPORTED_CONFIG: ImageConfig = Object.freeze({
  user: '',
  entrypoint: [],
  cmd: ['/bin/sh'],
  env: ['PATH=/usr/local/bin:/usr/bin:/bin'],
  labels: {},
  sizeBytes: 4_327_679,
  os: 'linux',
  architecture: 'amd64',
});

/** Tools that make the worker contract pass. */
export const GOOD_TOOLS: Readonly<Record<string, string>> = {
  'cascade-tools': 'echo cascade-tools 1.0.0',
  node: 'if [ "$1" = "-e" ]; then [ -e "$NODE_PATH/@playwright/test/package.json" ] || { echo "Cannot find module" >&2; exit 1; }; else echo v20.0.0; fi',
  git: 'echo git version 2.39.0',
  claude: 'echo 1.0.0',
  python: 'echo Python 3.11.0',
  npm: 'echo "$FAKE_GLOBAL_ROOT"',
};

export function toolsWithout(...names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(GOOD_TOOLS).filter(([name]) => !names.includes(name)));
}

/** `promise`, or DockerFailure('aborted') as soon as `signal` fires. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(new DockerFailure('aborted', 'pull interrupted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new DockerFailure('aborted', 'pull interrupted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

type RegistryEntry = { readonly digest: string; readonly image: FakeImage } | DockerFailure;

/**
 * A scriptable Docker port for unit tests. "Registries" map pull references to an image and a
 * digest (or a failure); the smoke-test runs the REAL generated script with the local bash, with a
 * PATH holding only the image's stub tools, so the check contract is exercised for real.
 */
export class FakeDocker implements DockerPort {
  readonly endpoint = 'fake://engine';
  readonly registry = new Map<string, RegistryEntry>();
  /** Local images by every name the engine knows them by (tag refs, repo@digest, id). */
  readonly local = new Map<string, { image: FakeImage; repoDigests: string[] }>();
  readonly calls = {
    pull: [] as string[],
    inspect: [] as string[],
    run: [] as SmokeRunSpec[],
    removed: [] as string[],
    /** Containers created ahead of their run, and those of them removed unstarted. */
    prepared: [] as SmokeRunSpec[],
    discarded: [] as SmokeRunSpec[],
  };
  engineDown = false;
  /** When set, pulls wait for it: lets a test change the store mid-validation. */
  pullGate: Promise<void> | undefined;

  publish(reference: string, digest: string, image: FakeImage): void {
    this.registry.set(reference, { digest, image });
  }

  failPull(reference: string, failure: DockerFailure): void {
    this.registry.set(reference, failure);
  }

  /** An image present locally only (built or imported, never pushed). */
  addLocal(reference: string, image: FakeImage): void {
    const entry = { image, repoDigests: [] };
    this.local.set(reference, entry);
    this.local.set(image.id, entry);
  }

  async version(): Promise<EngineVersion> {
    this.assertUp();
    return { version: 'fake', apiVersion: '1.41', os: 'linux', architecture: 'amd64' };
  }

  async pull(reference: string, options: { onProgress?: (progress: PullProgress) => void; signal?: AbortSignal } = {}): Promise<PullResult> {
    this.calls.pull.push(reference);
    this.assertUp();
    // A pull takes time: what it brings is the engine's only once it has finished.
    await new Promise((resolve) => setImmediate(resolve));
    // Like the real adapter: the caller's signal ends a pull at once, even one the "registry" holds up.
    if (this.pullGate !== undefined) await abortable(this.pullGate, options.signal);
    const entry = this.registry.get(reference);
    if (entry === undefined) throw new DockerFailure('not-found', `manifest for ${reference} not found: manifest unknown`);
    if (entry instanceof DockerFailure) throw entry;
    options.onProgress?.({ status: `Digest: ${entry.digest}`, phase: 'other' });
    const repository = reference.replace(/[:@][^/]*$/, '');
    const known = this.local.get(entry.image.id) ?? { image: entry.image, repoDigests: [] };
    const pinned = `${repository}@${entry.digest}`;
    if (!known.repoDigests.includes(pinned)) known.repoDigests.push(pinned);
    for (const name of [reference, pinned, entry.image.id]) this.local.set(name, known);
    return { digest: entry.digest };
  }

  async inspectImage(reference: string): Promise<ImageFacts | undefined> {
    this.calls.inspect.push(reference);
    this.assertUp();
    const found = this.local.get(reference);
    if (found === undefined) return undefined;
    const platform = found.image.platform ?? { os: 'linux', architecture: 'amd64' };
    const config = { ...IMPORTED_CONFIG, ...found.image.config, os: platform.os, architecture: platform.architecture };
    return { id: found.image.id, repoDigests: [...found.repoDigests], os: platform.os, architecture: platform.architecture, variant: platform.variant ?? null, config };
  }

  async runSmokeTest(spec: SmokeRunSpec): Promise<SmokeRunResult> {
    this.calls.run.push(spec);
    this.assertUp();
    const found = this.local.get(spec.image);
    if (found === undefined) throw new DockerFailure('image-missing', `No such image: ${spec.image}`);
    if (found.image.hasBash === false) throw new DockerFailure('no-bash', 'exec: "bash": executable file not found in $PATH');
    const root = mkdtempSync(join(tmpdir(), 'fake-container-'));
    try {
      const bin = join(root, 'bin');
      const globalRoot = join(root, 'global');
      mkdirSync(join(globalRoot, '@playwright', 'test'), { recursive: true });
      writeFileSync(join(globalRoot, '@playwright', 'test', 'package.json'), '{}');
      mkdirSync(bin);
      for (const [name, body] of Object.entries(found.image.tools)) {
        writeFileSync(join(bin, name), `#!/bin/bash\n${body}\n`);
        chmodSync(join(bin, name), 0o755);
      }
      return await runBash(spec, { PATH: bin, HOME: root, FAKE_GLOBAL_ROOT: globalRoot }, `fake-${this.calls.run.length}`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }

  /** Like a create: an image the engine lacks has no container. The run itself is runSmokeTest's. */
  async prepareSmokeTest(spec: SmokeRunSpec): Promise<PreparedSmokeTest> {
    this.assertUp();
    if (!this.local.has(spec.image)) throw new DockerFailure('image-missing', `No such image: ${spec.image}`);
    this.calls.prepared.push(spec);
    return preparedSmokeTest(
      () => this.runSmokeTest(spec),
      () => this.calls.discarded.push(spec),
    );
  }

  /** The fake removes nothing in the background: its smoke-tests are gone when they resolve. */
  async settle(): Promise<void> {}

  async listContainers(_labels?: Readonly<Record<string, string>>): Promise<readonly OurContainer[]> {
    return [];
  }

  async removeContainer(id: string): Promise<void> {
    this.calls.removed.push(id);
  }

  private assertUp(): void {
    if (this.engineDown) throw new DockerFailure('engine-unavailable', 'no engine socket there (ENOENT); is dockerd running?');
  }
}

function runBash(spec: SmokeRunSpec, env: Record<string, string>, containerId: string): Promise<SmokeRunResult> {
  const [flag, script, ...rest] = spec.cmd;
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/bash', [flag ?? '-c', script ?? '', ...rest], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    let truncated = false;
    const collect = (chunk: Buffer) => {
      if (output.length >= spec.outputLimitBytes) {
        truncated = true;
        return;
      }
      output += chunk.toString('utf8').slice(0, spec.outputLimitBytes - output.length);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, spec.timeoutMs);
    const onAbort = () => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    };
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      if (spec.signal?.aborted === true) {
        reject(new DockerFailure('aborted', 'smoke-test interrupted'));
        return;
      }
      resolve({ exitCode: timedOut ? null : code, output, truncated, timedOut, containerId });
    });
  });
}
