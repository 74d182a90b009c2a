import { existsSync, readFileSync } from 'node:fs';
import type { Lazy } from '../commands/deps.js';
import { resolveDockerEndpoint, type DockerEndpoint } from '../config/docker-endpoint.js';
import { resolveActor } from '../config/paths.js';
import { resolveStoreLocation, StoreLocationError, type StoreLocation } from '../config/store-location.js';
import { EngineUnavailableError, UsageError } from '../errors.js';
import type { Here } from '../lifecycle/leases.js';
import { checkOperatorName } from '../lifecycle/operator-name.js';
import type { ValidationEngine } from '../lifecycle/validator.js';
import type { RegistryCredentials } from '../ports/credentials.js';
import type { DockerPort } from '../ports/docker.js';
import type { StorePort } from '../ports/store.js';
import { Output } from '../render/output.js';
import type { PaletteMaker } from '../render/palette.js';
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
 * The composition root of one invocation: it resolves the global options once and opens each
 * adapter on first use (the SQLite store, dockerode, credentials), so `show` never pays for
 * Docker. Commands never see this object: each CLI action hands its command the few
 * dependencies that command declares.
 */
export class Services {
  readonly output: Output;
  readonly actor: string;
  readonly location: StoreLocation;
  /** The store as messages name it: a file path, or a server URL without its password. */
  readonly storePath: string;
  private storePromise: Promise<StorePort> | undefined;
  /** For reads only: an in-memory stand-in for a store file that does not exist yet (never written to), or a server's store opened without creating it. */
  private emptyStorePromise: Promise<StorePort> | undefined;
  private dockerPromise: Promise<DockerPort> | undefined;
  private enginePromise: Promise<ValidationEngine> | undefined;
  private readonly interrupt = new AbortController();

  constructor(
    private readonly runtime: Runtime,
    private readonly options: GlobalOptions,
    colours?: PaletteMaker,
  ) {
    this.output = new Output(runtime, { json: options.json === true, color: options.color !== false, quiet: options.quiet === true }, colours);
    if (options.db !== undefined && options.db.trim() === '') {
      throw new UsageError('--db needs a path: it was given empty', { hint: 'name the store file, e.g. --db ~/cascade-image.db, or leave --db out for the default' });
    }
    try {
      this.location = resolveStoreLocation(options.db, runtime.env, runtime);
    } catch (error) {
      if (!(error instanceof StoreLocationError)) throw error;
      throw new UsageError(error.message, { hint: 'give --db / CASCADE_IMAGE_DB as postgres://role@host:port/database (the password in PGPASSWORD or ~/.pgpass)' });
    }
    this.storePath = this.location.kind === 'sqlite' ? this.location.path : this.location.shown;
    const named = resolveActor(options.actor, runtime.env, runtime);
    if (this.location.kind === 'postgres') {
      // On a server the actor is whoever it authenticated: a name typed on the command line proves nothing.
      this.actor = checkOperatorName(this.location.role, 'database role');
      const given = options.actor ?? runtime.env.CASCADE_ACTOR;
      if (given !== undefined && given.trim() !== '' && named !== this.actor) {
        this.output.note(`note: on PostgreSQL the actor is the database role ${this.actor}, as the server authenticated it; ${options.actor === undefined ? 'CASCADE_ACTOR' : '--actor'} ${named} is not used`);
      }
    } else {
      this.actor = checkOperatorName(named, 'actor');
    }
  }

  get env(): Readonly<Record<string, string | undefined>> {
    return this.runtime.env;
  }

  get signal(): AbortSignal {
    return this.interrupt.signal;
  }

  /** Called on SIGINT/SIGTERM: running validations wind down and store `failed: interrupted`. */
  abort(signal: 'SIGINT' | 'SIGTERM'): void {
    if (!this.interrupt.signal.aborted) this.interrupt.abort(signal);
  }

  /** Which signal interrupted this invocation, if one did. */
  interruptedBy(): 'SIGINT' | 'SIGTERM' | undefined {
    const reason: unknown = this.signal.reason;
    return this.signal.aborted && (reason === 'SIGINT' || reason === 'SIGTERM') ? reason : undefined;
  }

  /** Facts about this host and moment, for lease decisions. */
  readonly here = (): Here => {
    const { runtime } = this;
    // The host's name only where a lease is judged (most reads never are).
    return {
      get host() {
        return runtime.hostname;
      },
      now: runtime.now(),
      isAlive: runtime.processAlive,
    };
  };

  /** Whether the store exists already; a server's store is asked for when opened (it may be created then). */
  readonly storeExists = (): boolean => this.location.kind === 'postgres' || existsSync(this.location.path);

  /** The store for commands that change it: created (and bootstrapped) when missing. */
  readonly store: Lazy<StorePort> = () => {
    this.storePromise ??= this.openStore(true);
    return this.storePromise;
  };

  /**
   * The store for read-only commands: a missing store file reads as an empty store rather than
   * being created, so a `show` never creates files or makes its caller the first superadmin.
   */
  readonly readStore: Lazy<StorePort> = () => {
    if (this.storePromise !== undefined) return this.storePromise;
    if (this.location.kind === 'postgres') {
      this.emptyStorePromise ??= this.openPostgres(false);
      return this.emptyStorePromise;
    }
    if (this.storeExists()) return this.store();
    this.emptyStorePromise ??= this.openStore(false);
    return this.emptyStorePromise;
  };

  dockerEndpoint(): DockerEndpoint {
    try {
      return resolveDockerEndpoint(this.env, this.options.dockerHost, this.runtime.homedir, readTextIfPresent);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error), {
        hint: 'set DOCKER_HOST (unix:///path/to/docker.sock, tcp://host:port, ssh://user@host) or choose a context (DOCKER_CONTEXT)',
      });
    }
  }

  readonly docker: Lazy<DockerPort> = () => {
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
  };

  /** Registry credentials as the docker CLI finds them; the module loads on the first lookup. */
  readonly credentials: RegistryCredentials = {
    forRegistry: async (domain) => (await this.credentialModule()).forRegistry(domain),
    describeSource: async (domain) => (await this.credentialModule()).describeSource(domain),
  };

  /** Everything a validation needs from the engine side; one per invocation, so evaluations are shared. */
  private signaturesPromise: Promise<import('../ports/signatures.js').SignatureSource> | undefined;

  readonly engine: Lazy<ValidationEngine> = () => {
    this.enginePromise ??= (async () => {
      const [docker, { PullCoordinator }, { runIdSource }] = await Promise.all([
        this.docker(),
        import('../lifecycle/pull-coordinator.js'),
        import('../lifecycle/run-id.js'),
      ]);
      // Every validation compares the image's platform with the engine's, after its pull. /version
      // is the engine's slowest answer (it asks containerd and runc: 7-30 ms here), so it is asked
      // now, and answered while the change is stored and the image pulled (the adapter keeps it).
      docker.version().catch(() => undefined);
      return {
        docker,
        pulls: new PullCoordinator(docker),
        now: this.runtime.now,
        newRunId: runIdSource(this.runtime.now, Math.random),
        owner: { pid: this.runtime.pid, host: this.runtime.hostname },
        credentials: this.credentials,
        // The registry client loads only for a subject under a signature policy.
        signatures: () => (this.signaturesPromise ??= import('../registry/index.js').then(({ createSignatureSource }) => createSignatureSource({ credentials: this.credentials }))),
        evaluations: new Map(),
      };
    })();
    return this.enginePromise;
  };

  async close(): Promise<void> {
    // The stores close (a checkpoint) while the engine still answers the smoke-test containers'
    // removals; the process exits once both are done.
    const removals = this.dockerPromise?.then(
      (docker) => docker.settle(),
      () => undefined,
    );
    try {
      for (const opened of [this.storePromise, this.emptyStorePromise]) {
        if (opened !== undefined) await (await opened.catch(() => undefined))?.close();
      }
    } finally {
      await removals;
    }
  }

  /**
   * The PostgreSQL store; for a read (`create` false) a schema not created yet reads as an empty
   * store, as a missing SQLite file does: a `show` never creates a store.
   */
  private async openPostgres(create: boolean): Promise<StorePort> {
    if (this.location.kind !== 'postgres') throw new Error('not a PostgreSQL location');
    const { openPostgresStore } = await import('../store/postgres/postgres-store.js');
    const opened = await openPostgresStore({ location: this.location, now: this.runtime.now, create, ...(create ? { bootstrapActor: this.actor } : {}) });
    if (opened !== undefined) return opened;
    const { openSqliteStore } = await import('../store/sqlite-store.js');
    return openSqliteStore({ path: ':memory:', now: this.runtime.now, displayPath: this.storePath });
  }

  private async credentialModule(): Promise<RegistryCredentials> {
    const { dockerCredentials } = await import('../credentials/index.js');
    return dockerCredentials({ env: this.env, homedir: this.runtime.homedir });
  }

  private async openStore(persistent: boolean): Promise<StorePort> {
    if (this.location.kind === 'postgres' && persistent) return this.openPostgres(true);
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
