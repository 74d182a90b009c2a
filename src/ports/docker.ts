import type { ImageConfig, PullProgress } from '../domain/index.js';

/**
 * The Docker port: what the lifecycle engine needs from an engine, in our own types.
 * The dockerode adapter under src/docker/ is the only implementation that talks to a real engine;
 * every failure it reports is a DockerFailure (src/errors.ts), already classified.
 */

/** Registry credentials for one pull, as the engine's X-Registry-Auth expects them. Never logged. */
export interface RegistryAuth {
  readonly serveraddress: string;
  readonly username?: string;
  readonly password?: string;
  readonly identitytoken?: string;
}

export interface PullOptions extends CallOptions {
  readonly onProgress?: (progress: PullProgress) => void;
  readonly auth?: RegistryAuth;
}

export interface PullResult {
  /** The manifest digest the engine reported for this pull ("Digest: sha256:…"), when it said one. */
  readonly digest: string | null;
}

export interface ImageFacts {
  readonly id: string;
  readonly repoDigests: readonly string[];
  readonly os: string | null;
  readonly architecture: string | null;
  /** e.g. v8 for arm64/v8; null when the image does not say. */
  readonly variant: string | null;
  /** What config checks judge: user, entrypoint, cmd, env, labels, size, platform. */
  readonly config: ImageConfig;
}

/**
 * Every engine call is bounded: the adapter gives each request a deadline (connecting, answering,
 * a pull stream that goes silent) and rejects with DockerFailure('engine-unavailable') when it
 * passes. `signal` ends the call at once (DockerFailure('aborted')), whatever the engine does.
 */
export interface CallOptions {
  readonly signal?: AbortSignal;
}

export interface SmokeRunSpec {
  /** Always an immutable reference: repo@sha256:… or a local image ID. */
  readonly image: string;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly env: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly outputLimitBytes: number;
  readonly memoryBytes: number;
  readonly pidsLimit: number;
  readonly signal?: AbortSignal;
}

export interface SmokeRunResult {
  readonly exitCode: number | null;
  readonly output: string;
  readonly truncated: boolean;
  readonly timedOut: boolean;
  readonly containerId: string;
}

/** A smoke-test container that is created and not yet started. */
export interface PreparedSmokeTest {
  /** Attaches, starts, waits and removes, exactly as runSmokeTest after its create. At most once. */
  run(): Promise<SmokeRunResult>;
  /** Removes the container unstarted (settle() waits for it); nothing once run() was called. */
  discard(): void;
}

/** A PreparedSmokeTest over an implementation's two actions, keeping its rule: one of them, once. */
export function preparedSmokeTest(run: () => Promise<SmokeRunResult>, discard: () => void): PreparedSmokeTest {
  let taken = false;
  return {
    run: () => {
      if (taken) return Promise.reject(new Error('a prepared smoke-test runs at most once'));
      taken = true;
      return run();
    },
    discard: () => {
      if (taken) return;
      taken = true;
      discard();
    },
  };
}

export interface OurContainer {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly createdAt: Date;
  readonly state: string;
}

export interface EngineVersion {
  readonly version: string;
  readonly apiVersion: string;
  readonly os: string;
  readonly architecture: string;
}

export interface DockerPort {
  /** Where the engine is, for messages ("unix:///var/run/docker.sock"). */
  readonly endpoint: string;
  version(options?: CallOptions): Promise<EngineVersion>;
  /** Pulls and resolves only when the whole stream finished without an error event. */
  pull(reference: string, options?: PullOptions): Promise<PullResult>;
  /** undefined when the engine has no such image. */
  inspectImage(reference: string, options?: CallOptions): Promise<ImageFacts | undefined>;
  /**
   * Runs a one-shot locked-down container and removes it in every case. `spec.timeoutMs` bounds
   * the run itself; `spec.signal` kills it at once. The removal is asked for before this
   * resolves and may still be under way (the verdict is stored meanwhile): `settle` waits for it.
   */
  runSmokeTest(spec: SmokeRunSpec): Promise<SmokeRunResult>;
  /**
   * Creates the container runSmokeTest(spec) would, without starting it: made while the image is
   * still being pulled, so the run starts as soon as the pin is known. Rejects as a create would.
   */
  prepareSmokeTest(spec: SmokeRunSpec): Promise<PreparedSmokeTest>;
  /** Resolves once every container removal this port asked for has been answered (or given up). */
  settle(): Promise<void>;
  listContainers(labels: Readonly<Record<string, string>>, options?: CallOptions): Promise<readonly OurContainer[]>;
  removeContainer(id: string, options?: CallOptions): Promise<void>;
}
