import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { DockerEndpoint } from '../config/docker-endpoint.js';
import { DockerFailure } from '../errors.js';
import type {
  DockerPort,
  EngineVersion,
  ImageFacts,
  OurContainer,
  PullOptions,
  PullResult,
  SmokeRunResult,
  SmokeRunSpec,
} from '../ports/docker.js';
import { classifyMessage, pullPhase, translateDockerError } from './classify.js';
import { CappedOutput } from './multiplexed.js';

/** The engine behind the Docker port, through dockerode. The only module that imports it. */
export function createDockerodeAdapter(endpoint: DockerEndpoint): DockerPort {
  return new DockerodeAdapter(new Docker(dockerodeOptions(endpoint)), endpoint.description);
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
    timeout: undefined,
  };
  if (endpoint.socketPath !== undefined) return { ...unset, socketPath: endpoint.socketPath } as Docker.DockerOptions;
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
  if (endpoint.tls === undefined) return options;
  const read = (file: string) => readFileSync(join(endpoint.tls?.certPath ?? '.', file));
  const cert = read('cert.pem');
  const key = read('key.pem');
  if (endpoint.tls.verify) return { ...options, ca: read('ca.pem'), cert, key };
  // Without verification (DOCKER_TLS without DOCKER_TLS_VERIFY, or a context's SkipTLSVerify) the
  // client still presents its certificate but does not check the server's, as the docker CLI does.
  // docker-modem passes `agent` through to https.request, though its typings omit it.
  return { ...options, cert, key, agent: new HttpsAgent({ cert, key, rejectUnauthorized: false }) } as Docker.DockerOptions;
}

interface PullEvent {
  status?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
  progressDetail?: { current?: number; total?: number };
}

class DockerodeAdapter implements DockerPort {
  constructor(
    private readonly docker: Docker,
    readonly endpoint: string,
  ) {}

  async version(): Promise<EngineVersion> {
    try {
      const info = await this.docker.version();
      return { version: info.Version, apiVersion: info.ApiVersion, os: info.Os, architecture: info.Arch };
    } catch (error) {
      throw translateDockerError(error, this.endpoint);
    }
  }

  async pull(
    reference: string,
    options: PullOptions = {},
  ): Promise<PullResult> {
    let stream: NodeJS.ReadableStream;
    try {
      // Pass the reference whole as fromImage: the engine parses it, so repo@sha256 and repo:tag both work.
      // Credentials travel in the X-Registry-Auth header (docker-modem keeps them out of the URL).
      const query = { fromImage: reference, ...(options.signal ? { abortSignal: options.signal } : {}) };
      stream = (await this.docker.createImage(options.auth === undefined ? undefined : { ...options.auth }, query)) as NodeJS.ReadableStream;
    } catch (error) {
      throw translateDockerError(error, this.endpoint);
    }
    return new Promise<PullResult>((resolve, reject) => {
      let digest: string | null = null;
      let failure: DockerFailure | undefined;
      const onAbort = () => {
        (stream as unknown as { destroy?: () => void }).destroy?.();
        reject(new DockerFailure('aborted', 'pull interrupted'));
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      // The engine answers 200 and reports registry errors as events inside the stream: check every one.
      this.docker.modem.followProgress(
        stream,
        (error: Error | null) => {
          options.signal?.removeEventListener('abort', onAbort);
          if (error) reject(translateDockerError(error, this.endpoint));
          else if (failure) reject(failure);
          else resolve({ digest });
        },
        (event: PullEvent) => {
          const problem = event.errorDetail?.message ?? event.error;
          if (problem !== undefined) {
            failure ??= new DockerFailure(classifyMessage(problem), problem);
            return;
          }
          const status = event.status ?? '';
          const announced = /^Digest: (\S+)/.exec(status);
          if (announced?.[1] !== undefined) digest = announced[1];
          options.onProgress?.({
            status,
            phase: pullPhase(status),
            ...(event.id === undefined ? {} : { layer: event.id }),
            ...(event.progressDetail?.current === undefined ? {} : { current: event.progressDetail.current }),
            ...(event.progressDetail?.total === undefined ? {} : { total: event.progressDetail.total }),
          });
        },
      );
    });
  }

  async inspectImage(reference: string): Promise<ImageFacts | undefined> {
    try {
      const info = await this.docker.getImage(reference).inspect();
      return {
        id: info.Id,
        repoDigests: info.RepoDigests ?? [],
        os: info.Os ?? null,
        architecture: info.Architecture ?? null,
        variant: (info as { Variant?: string }).Variant ?? null,
      };
    } catch (error) {
      if (statusCode(error) === 404) return undefined;
      throw translateDockerError(error, this.endpoint);
    }
  }

  async runSmokeTest(spec: SmokeRunSpec): Promise<SmokeRunResult> {
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer({
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
      });
    } catch (error) {
      throw translateDockerError(error, this.endpoint);
    }
    const output = new CappedOutput(spec.outputLimitBytes);
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => void container.kill().catch(() => undefined);
    // Listen before anything else can take time: a signal in any gap must still stop the container.
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const attached = (await container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream;
      const drained = new Promise<void>((resolve) => {
        attached.on('data', (chunk: Buffer) => output.push(chunk));
        attached.on('end', resolve);
        attached.on('close', resolve);
        attached.on('error', () => resolve());
      });
      if (spec.signal?.aborted === true) throw new DockerFailure('aborted', 'smoke-test interrupted');
      await container.start();
      let timedOut = false;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), spec.timeoutMs);
      });
      const waited = await Promise.race([container.wait() as Promise<{ StatusCode: number }>, timeout]);
      if (waited === 'timeout') {
        timedOut = true;
        // bash as PID 1 ignores SIGTERM: only SIGKILL through the API stops a hung check.
        await container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
      }
      await Promise.race([drained, delay(2_000)]);
      if (spec.signal?.aborted) throw new DockerFailure('aborted', 'smoke-test interrupted');
      return {
        exitCode: waited === 'timeout' ? null : waited.StatusCode,
        output: output.text(),
        truncated: output.truncated,
        timedOut,
        containerId: container.id,
      };
    } catch (error) {
      throw translateDockerError(error, this.endpoint);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      await container.remove({ force: true, v: true }).catch(() => undefined);
    }
  }

  async listContainers(labels: Readonly<Record<string, string>>): Promise<readonly OurContainer[]> {
    try {
      const filters = { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) };
      const found = await this.docker.listContainers({ all: true, filters });
      return found.map((entry) => ({
        id: entry.Id,
        labels: entry.Labels ?? {},
        createdAt: new Date(entry.Created * 1000),
        state: entry.State,
      }));
    } catch (error) {
      throw translateDockerError(error, this.endpoint);
    }
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (error) {
      if (statusCode(error) === 404) return;
      throw translateDockerError(error, this.endpoint);
    }
  }
}

function statusCode(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'statusCode' in error && typeof error.statusCode === 'number') {
    return error.statusCode;
  }
  return undefined;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
