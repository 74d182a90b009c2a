import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { CheckContract } from '../checks/index.js';
import { resolveDockerEndpoint, type DockerEndpoint } from '../config/docker-endpoint.js';
import { resolveActor, resolveStorePath } from '../config/paths.js';
import { EngineUnavailableError, UsageError } from '../errors.js';
import type { LifecycleListener } from '../lifecycle/events.js';
import type { Here } from '../lifecycle/leases.js';
import type { PullCoordinator } from '../lifecycle/pull-coordinator.js';
import type { ValidatorDeps } from '../lifecycle/validator.js';
import type { CredentialLookup } from '../credentials/index.js';
import type { DockerPort, RegistryAuth } from '../ports/docker.js';
import type { StorePort } from '../ports/store.js';
import { Output } from '../render/output.js';
import type { Runtime } from './runtime.js';

export interface GlobalOptions {
  readonly db?: string;
  readonly actor?: string;
  readonly color?: boolean;
  readonly dockerHost?: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

/**
 * The composition root: wires the store, the engine and the output once per invocation.
 * Heavy dependencies (the SQLite store, dockerode) load on first use, so `show` never pays for Docker.
 */
export class AppContext {
  readonly output: Output;
  readonly actor: string;
  readonly storePath: string;
  /** The check contract to validate against; the worker contract unless a test supplies another. */
  readonly contract: CheckContract | undefined = undefined;
  private storePromise: Promise<StorePort> | undefined;
  /** An in-memory stand-in for a store file that does not exist yet; never written to. */
  private emptyStorePromise: Promise<StorePort> | undefined;
  private dockerPromise: Promise<DockerPort> | undefined;
  private pulls: PullCoordinator | undefined;
  private readonly evaluations: ValidatorDeps['evaluations'] = new Map();
  private readonly interrupt = new AbortController();

  constructor(
    readonly runtime: Runtime,
    readonly options: GlobalOptions,
  ) {
    this.output = new Output(runtime, { json: options.json === true, color: options.color !== false, quiet: options.quiet === true });
    this.actor = resolveActor(options.actor, runtime.env, runtime.username);
    this.storePath = resolveStorePath(options.db, runtime.env, runtime.homedir);
  }

  get env(): Readonly<Record<string, string | undefined>> {
    return this.runtime.env;
  }

  /** Facts about this host and moment, for lease decisions. */
  here(): Here {
    return { host: this.runtime.hostname, now: this.runtime.now(), isAlive: this.runtime.processAlive };
  }

  get signal(): AbortSignal {
    return this.interrupt.signal;
  }

  /** Called by the entry module's signal handler: running validations wind down and store `failed`. */
  abort(signal: 'SIGINT' | 'SIGTERM'): void {
    if (!this.interrupt.signal.aborted) this.interrupt.abort(signal);
  }

  /** The store for commands that change it: created (and bootstrapped) when missing. */
  store(): Promise<StorePort> {
    this.storePromise ??= this.openStore(true);
    return this.storePromise;
  }

  /**
   * The store for read-only commands: a missing store file reads as an empty store rather than
   * being created, so a `show` never creates files or makes its caller the first superadmin.
   */
  readStore(): Promise<StorePort> {
    if (this.storePromise !== undefined || this.storeExists()) return this.store();
    this.emptyStorePromise ??= this.openStore(false);
    return this.emptyStorePromise;
  }

  storeExists(): boolean {
    return existsSync(this.storePath);
  }

  dockerEndpoint(): DockerEndpoint {
    try {
      return resolveDockerEndpoint(this.env, this.options.dockerHost, this.runtime.homedir, readTextIfPresent);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error), {
        hint: 'set DOCKER_HOST (unix:///path/to/docker.sock, tcp://host:port, ssh://user@host) or choose a context (DOCKER_CONTEXT)',
      });
    }
  }

  docker(): Promise<DockerPort> {
    this.dockerPromise ??= (async () => {
      const endpoint = this.dockerEndpoint();
      try {
        const { createDockerodeAdapter } = await import('../docker/dockerode-adapter.js');
        return createDockerodeAdapter(endpoint);
      } catch (error) {
        throw new EngineUnavailableError(`cannot set up the Docker client for ${endpoint.description}: ${String(error)}`, {
          cause: error,
          hint: 'check DOCKER_HOST, DOCKER_CERT_PATH and --docker-host',
        });
      }
    })();
    return this.dockerPromise;
  }

  async validatorDeps(listener: LifecycleListener): Promise<ValidatorDeps> {
    const [store, docker, { WORKER_CONTRACT }, { PullCoordinator: Coordinator }] = await Promise.all([
      this.store(),
      this.docker(),
      import('../checks/index.js'),
      import('../lifecycle/pull-coordinator.js'),
    ]);
    this.pulls ??= new Coordinator(docker);
    return {
      docker,
      pulls: this.pulls,
      store,
      contract: this.contract ?? WORKER_CONTRACT,
      now: this.runtime.now,
      newRunId: randomUUID,
      owner: { pid: this.runtime.pid, host: this.runtime.hostname },
      listener,
      evaluations: this.evaluations,
      authFor: (domain) => this.registryAuth(domain),
    };
  }

  /** Credentials for a registry as the docker CLI finds them (config.json, helpers); never printed. */
  async registryAuth(domain: string): Promise<RegistryAuth | undefined> {
    return (await this.credentialLookup(domain)).credential;
  }

  async credentialLookup(domain: string): Promise<CredentialLookup> {
    const credentials = await import('../credentials/index.js');
    return credentials.lookupCredentials(domain, {
      env: this.env,
      homedir: this.runtime.homedir,
      readFile: credentials.readOptionalTextFile,
      runHelper: credentials.createHelperRunner({ env: this.env }),
    });
  }

  async close(): Promise<void> {
    for (const opened of [this.storePromise, this.emptyStorePromise]) {
      if (opened !== undefined) await (await opened.catch(() => undefined))?.close();
    }
  }

  private async openStore(persistent: boolean): Promise<StorePort> {
    const { openSqliteStore } = await import('../store/sqlite-store.js');
    return openSqliteStore({
      path: persistent ? this.storePath : ':memory:',
      now: this.runtime.now,
      ...(persistent ? { bootstrapActor: this.actor } : {}),
      displayPath: this.storePath,
    });
  }
}

function readTextIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
}
