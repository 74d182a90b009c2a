import { readFileSync } from 'node:fs';
import type { Agent, AgentOptions } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import type { DockerEndpoint } from '../config/docker-endpoint.js';
import { DockerFailure } from '../errors.js';
import {
  preparedSmokeTest,
  type CallOptions,
  type DockerPort,
  type EngineVersion,
  type ImageFacts,
  type OurContainer,
  type PreparedSmokeTest,
  type PullOptions,
  type PullResult,
  type SmokeRunResult,
  type SmokeRunSpec,
} from '../ports/docker.js';
import { containerListAnswer, createdAnswer, imageAnswer, versionAnswer, waitAnswer } from './answers.js';
import { isDockerNotFound, translateDockerError } from './classify.js';
import { bounded, deadlinesFrom, type DeadlineOptions, type Deadlines } from './deadlines.js';
import { requestJson, requestStream, type EngineRequest } from './engine-request.js';
import { CappedOutput } from './multiplexed.js';
import { readPullStream } from './pull-stream.js';

/** The deadlines are the production ones unless a test passes shorter ones here. */
export type AdapterOptions = DeadlineOptions;

/** The engine behind the Docker port, through dockerode. The only module that imports it. */
export function createDockerodeAdapter(endpoint: DockerEndpoint, options: AdapterOptions = {}): DockerPort {
  return new DockerodeAdapter(new Docker(dockerodeOptions(endpoint)).modem, endpoint.description, deadlinesFrom(options));
}

/**
 * docker-modem fills any option we leave out from DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH
 * itself, which would let the environment beat --docker-host. So every connection option is
 * given explicitly, undefined where it does not apply: our resolution is the only one.
 */
function dockerodeOptions(endpoint: DockerEndpoint): Docker.DockerOptions {
  const unset = {
    socketPath: undefined,
    host: undefined,
    port: undefined,
    protocol: undefined,
    username: undefined,
    ca: undefined,
    cert: undefined,
    key: undefined,
    pathPrefix: undefined,
    // docker-modem's `timeout` is a socket idle timeout on every request: it would cut a smoke-test's
    // attach and wait, which rightly stay silent for minutes. Deadlines are ours (deadlines.ts).
    timeout: undefined,
  };
  if (endpoint.socketPath !== undefined) return { ...unset, socketPath: endpoint.socketPath, agent: plainAgent() } as Docker.DockerOptions;
  const options = {
    ...unset,
    host: endpoint.host,
    port: endpoint.port,
    protocol: endpoint.protocol,
    username: endpoint.username,
    ...(endpoint.ssh === undefined
      ? {}
      : {
          sshOptions: {
            ...(endpoint.ssh.agent === undefined ? {} : { agent: endpoint.ssh.agent }),
            ...(endpoint.ssh.privateKeyPath === undefined ? {} : { privateKey: readFileSync(endpoint.ssh.privateKeyPath) }),
          },
        }),
  } as Docker.DockerOptions;
  if (endpoint.tls === undefined) return endpoint.protocol === 'http' ? ({ ...options, agent: plainAgent() } as Docker.DockerOptions) : options;
  const read = (file: string) => readFileSync(join(endpoint.tls?.certPath ?? '.', file));
  const cert = read('cert.pem');
  const key = read('key.pem');
  if (endpoint.tls.verify) return { ...options, ca: read('ca.pem'), cert, key };
  // Without verification (DOCKER_TLS without DOCKER_TLS_VERIFY, or a context's SkipTLSVerify) the
  // client still presents its certificate but does not check the server's, as the docker CLI does.
  // docker-modem passes `agent` through to https.request, though its typings omit it. Required
  // here, on use: https pulls in tls and crypto, which a local-socket run never needs.
  const { Agent } = createRequire(import.meta.filename)('node:https') as typeof import('node:https');
  return { ...options, cert, key, agent: new Agent({ cert, key, rejectUnauthorized: false }) } as Docker.DockerOptions;
}

/**
 * The agent for an engine without TLS (a local socket, plain TCP): Node's default agent, except
 * that it never works out a TLS server name. The default agent does on every request, by testing
 * the Host header against Node's IPv6 pattern, and compiling that pattern costs the first request
 * ~5 ms and the second ~1.3 ms (V8 compiles it, then tiers it up), on the path of every validation.
 * A connection without TLS names no server. Required on use, like https below.
 */
function plainAgent(): Agent {
  const { Agent } = createRequire(import.meta.filename)('node:http') as typeof import('node:http');
  // `servername` is passed to connections too, where only TLS reads it; Node's types leave it out.
  return new Agent({ keepAlive: true, scheduling: 'lifo', servername: '' } as AgentOptions);
}

type Modem = Docker['modem'];

/** The smoke container's output keeps arriving briefly after it exits; waiting longer proves nothing. */
const DRAIN_MS = 2_000;

class DockerodeAdapter implements DockerPort {
  /** The engine's version, asked once per process: an engine does not change under a running command. */
  private versionAnswer: Promise<EngineVersion> | undefined;
  /** Smoke-test containers whose removal is still being answered. */
  private readonly removals = new Set<Promise<void>>();

  constructor(
    private readonly modem: Modem,
    readonly endpoint: string,
    private readonly deadlines: Deadlines,
  ) {}

  version(options: CallOptions = {}): Promise<EngineVersion> {
    // A failed answer is not kept: the next caller asks again.
    this.versionAnswer ??= this.json('the request for its version', { path: '/version', method: 'GET' }, options.signal).then(versionAnswer, (error: unknown) => {
      this.versionAnswer = undefined;
      throw error;
    });
    return this.versionAnswer;
  }

  async pull(reference: string, options: PullOptions = {}): Promise<PullResult> {
    // Pass the reference whole as fromImage: the engine parses it, so repo@sha256 and repo:tag both work.
    const request: EngineRequest = {
      path: '/images/create?',
      method: 'POST',
      options: { fromImage: reference },
      ...(options.auth === undefined ? {} : { auth: options.auth }),
    };
    // The call deadline covers connecting and the answer's headers; from then on the stream's own
    // silence deadline applies, since a big pull legitimately takes minutes.
    const stream = await bounded(this.call(`the request to pull ${reference}`, options.signal), (signal) => requestStream(this.modem, request, signal));
    return readPullStream(stream, {
      reference,
      endpoint: this.endpoint,
      silenceMs: this.deadlines.pullSilenceMs,
      signal: options.signal,
      onProgress: options.onProgress,
    });
  }

  async inspectImage(reference: string, options: CallOptions = {}): Promise<ImageFacts | undefined> {
    let answer: unknown;
    try {
      answer = await this.json(`the request to inspect image ${reference}`, { path: `/images/${reference}/json`, method: 'GET' }, options.signal);
    } catch (error) {
      if (isDockerNotFound(error)) return undefined;
      throw error;
    }
    return imageAnswer(answer, reference);
  }

  async runSmokeTest(spec: SmokeRunSpec): Promise<SmokeRunResult> {
    return this.runCreated(await this.createSmokeContainer(spec), spec);
  }

  async prepareSmokeTest(spec: SmokeRunSpec): Promise<PreparedSmokeTest> {
    const id = await this.createSmokeContainer(spec);
    return preparedSmokeTest(
      () => this.runCreated(id, spec),
      () => this.removeInBackground(id, spec.signal),
    );
  }

  private async createSmokeContainer(spec: SmokeRunSpec): Promise<string> {
    const created = await this.json('the request to create the smoke-test container', { path: '/containers/create', method: 'POST', options: containerConfig(spec) }, spec.signal);
    return createdAnswer(created);
  }

  /** Attaches to, starts, waits for and removes a created smoke-test container. */
  private async runCreated(id: string, spec: SmokeRunSpec): Promise<SmokeRunResult> {
    const container = `/containers/${id}`;
    // Everything still in flight when the run ends (an attach stream, a wait) is cancelled with it.
    const finished = new AbortController();
    const scope = spec.signal === undefined ? finished.signal : AbortSignal.any([spec.signal, finished.signal]);
    const output = new CappedOutput(spec.outputLimitBytes);
    let attached: Readable | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      attached = await bounded(this.call('the request to attach to the smoke-test container', scope), (signal) =>
        requestStream(this.modem, { path: `${container}/attach?`, method: 'POST', options: { stream: true, stdout: true, stderr: true } }, signal),
      );
      const stream = attached;
      const drained = new Promise<void>((resolve) => {
        stream.on('data', (chunk: Buffer) => output.push(chunk));
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', () => resolve());
      });
      await this.json('the request to start the smoke-test container', { path: `${container}/start?`, method: 'POST' }, scope);
      // The wait is bounded by the smoke-test's own timeout plus time to kill the container, not
      // by the per-call deadline: a check may rightly run for minutes.
      const waitMs = spec.timeoutMs + this.deadlines.callMs;
      const waited = bounded({ what: 'the wait for the smoke-test container', ms: waitMs, endpoint: this.endpoint, signal: scope }, (signal) =>
        requestJson(this.modem, { path: `${container}/wait?`, method: 'POST' }, signal),
      ).then(waitAnswer);
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), spec.timeoutMs);
      });
      const first = await Promise.race([waited, timeout]);
      const timedOut = first === 'timeout';
      if (timedOut) {
        // bash as PID 1 ignores SIGTERM: only SIGKILL through the API stops a hung check. It may
        // have exited on its own meanwhile, so a failed kill is fine; the wait says how it ended.
        await this.json('the request to kill the smoke-test container', { path: `${container}/kill?`, method: 'POST', options: { signal: 'SIGKILL' } }, spec.signal).catch(
          (error: unknown) => {
            if (spec.signal?.aborted === true) throw error;
          },
        );
        await waited;
      }
      await Promise.race([drained, delay(DRAIN_MS)]);
      if (spec.signal?.aborted === true) throw new DockerFailure('aborted', 'the smoke-test was interrupted');
      return {
        exitCode: timedOut ? null : (first as number),
        output: output.text(),
        truncated: output.truncated,
        timedOut,
        containerId: id,
      };
    } catch (error) {
      throw spec.signal?.aborted === true ? new DockerFailure('aborted', 'the smoke-test was interrupted', { cause: error }) : translateDockerError(error, this.endpoint);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      finished.abort();
      attached?.destroy();
      this.removeInBackground(id, spec.signal);
    }
  }

  /**
   * Removed in every case (force also kills it). After an interrupt the user is waiting, so the
   * removal gets less time; a container left behind carries our labels and `cleanup` finds it.
   * Not waited for here: the engine takes ~6 ms to answer, time the caller spends storing the
   * verdict; settle() (the CLI's close, before exit) waits for it.
   */
  private removeInBackground(id: string, signal: AbortSignal | undefined): void {
    const ms = signal?.aborted === true ? this.deadlines.abortCleanupMs : this.deadlines.callMs;
    const removal = this.json('the request to remove the smoke-test container', { path: `/containers/${id}?`, method: 'DELETE', options: { force: true, v: true } }, undefined, ms).then(
      () => undefined,
      () => undefined,
    );
    this.removals.add(removal);
    void removal.then(() => this.removals.delete(removal));
  }

  async settle(): Promise<void> {
    while (this.removals.size > 0) await Promise.all([...this.removals]);
  }

  async listContainers(labels: Readonly<Record<string, string>>, options: CallOptions = {}): Promise<readonly OurContainer[]> {
    const filters = { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) };
    return containerListAnswer(await this.json('the request to list containers', { path: '/containers/json?', method: 'GET', options: { all: true, filters } }, options.signal));
  }

  async removeContainer(id: string, options: CallOptions = {}): Promise<void> {
    try {
      await this.json(`the request to remove container ${id.slice(0, 12)}`, { path: `/containers/${id}?`, method: 'DELETE', options: { force: true, v: true } }, options.signal);
    } catch (error) {
      // Already gone is what we wanted.
      if (isDockerNotFound(error)) return;
      throw error;
    }
  }

  private call(what: string, signal: AbortSignal | undefined, ms = this.deadlines.callMs) {
    return { what, ms, endpoint: this.endpoint, signal };
  }

  /** One request with a JSON answer, under the per-call deadline (or `ms`) and the caller's signal. */
  private json(what: string, request: EngineRequest, signal: AbortSignal | undefined, ms = this.deadlines.callMs): Promise<unknown> {
    return bounded(this.call(what, signal, ms), (combined) => requestJson(this.modem, request, combined));
  }
}

/** The locked-down one-shot container the README describes. */
function containerConfig(spec: SmokeRunSpec): Record<string, unknown> {
  return {
    Image: spec.image,
    Entrypoint: [...spec.entrypoint],
    Cmd: [...spec.cmd],
    Env: [...spec.env],
    Labels: { ...spec.labels },
    Tty: false,
    OpenStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    NetworkDisabled: true,
    HostConfig: {
      NetworkMode: 'none',
      Memory: spec.memoryBytes,
      MemorySwap: spec.memoryBytes,
      PidsLimit: spec.pidsLimit,
      SecurityOpt: ['no-new-privileges'],
      CapDrop: ['ALL'],
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=64m' },
      // Output is read from the attach stream; nothing needs to hit the engine's disk.
      LogConfig: { Type: 'none', Config: {} },
      AutoRemove: false,
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
