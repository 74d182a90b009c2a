import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * sha256 hex, for a docker context's folder name. node:crypto is required here, on first use:
 * most runs name no context, and loading crypto costs a visible share of a `show`.
 */
function sha256(text: string): string {
  const { createHash } = createRequire(import.meta.filename)('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Where the Docker engine is, resolved the way the docker CLI does: --docker-host, else
 * DOCKER_HOST (with DOCKER_TLS_VERIFY / DOCKER_CERT_PATH), else the docker context named by
 * DOCKER_CONTEXT or by `currentContext` in config.json, else the local socket. Pure apart from
 * the file reader the caller hands in.
 */
export interface DockerEndpoint {
  /** Human form for messages, e.g. unix:///var/run/docker.sock. */
  readonly description: string;
  readonly socketPath?: string;
  readonly host?: string;
  readonly port?: number;
  readonly protocol?: 'http' | 'https' | 'ssh';
  readonly username?: string;
  /** For ssh://: the agent socket (SSH_AUTH_SOCK) and/or a default private key, as ssh would use them. */
  readonly ssh?: { readonly agent?: string; readonly privateKeyPath?: string };
  /** Client TLS material (ca.pem, cert.pem, key.pem in certPath); verify = check the server against ca.pem. */
  readonly tls?: { readonly certPath: string; readonly verify: boolean };
}

/** Reads a small text file; undefined when it does not exist. */
export type ReadText = (path: string) => string | undefined;

const DEFAULT_SOCKET = '/var/run/docker.sock';
const LOCAL: DockerEndpoint = { description: `unix://${DEFAULT_SOCKET}`, socketPath: DEFAULT_SOCKET };

export function resolveDockerEndpoint(
  env: Readonly<Record<string, string | undefined>>,
  override?: string,
  homeDir?: string,
  readText: ReadText = () => undefined,
): DockerEndpoint {
  const explicit = nonEmpty(override) ?? nonEmpty(env.DOCKER_HOST);
  if (explicit !== undefined) {
    const verify = nonEmpty(env.DOCKER_TLS_VERIFY) !== undefined;
    const wantsTls = verify || nonEmpty(env.DOCKER_TLS) !== undefined;
    const certPath = nonEmpty(env.DOCKER_CERT_PATH) ?? (homeDir === undefined ? '.docker' : join(homeDir, '.docker'));
    return withSsh(endpointFromHost(explicit, wantsTls ? { certPath, verify } : undefined, explicit), env, homeDir, readText);
  }
  const configDir = nonEmpty(env.DOCKER_CONFIG) ?? (homeDir === undefined ? '.docker' : join(homeDir, '.docker'));
  const contextName = nonEmpty(env.DOCKER_CONTEXT) ?? currentContext(configDir, readText);
  if (contextName === undefined || contextName === 'default') return LOCAL;
  return withSsh(contextEndpoint(configDir, contextName, readText), env, homeDir, readText);
}

/** The credentials `ssh` would offer: the agent, else the first default identity file. */
function withSsh(endpoint: DockerEndpoint, env: Readonly<Record<string, string | undefined>>, homeDir: string | undefined, readText: ReadText): DockerEndpoint {
  if (endpoint.protocol !== 'ssh') return endpoint;
  const agent = nonEmpty(env.SSH_AUTH_SOCK);
  const keys = homeDir === undefined ? [] : ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((name) => join(homeDir, '.ssh', name));
  const privateKeyPath = keys.find((path) => readText(path) !== undefined);
  return { ...endpoint, ssh: { ...(agent === undefined ? {} : { agent }), ...(privateKeyPath === undefined ? {} : { privateKeyPath }) } };
}

function endpointFromHost(raw: string, tls: DockerEndpoint['tls'], description: string): DockerEndpoint {
  if (raw.startsWith('unix://')) {
    const socketPath = raw.slice('unix://'.length) || DEFAULT_SOCKET;
    return { description, socketPath };
  }
  const url = new URL(raw);
  if (url.protocol === 'ssh:') {
    return {
      description,
      protocol: 'ssh',
      host: url.hostname,
      port: url.port === '' ? 22 : Number(url.port),
      ...(url.username === '' ? {} : { username: url.username }),
    };
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`unsupported Docker host scheme ${url.protocol} in ${raw} (use unix://, tcp:// or ssh://)`);
  }
  const useTls = tls !== undefined || url.protocol === 'https:';
  return {
    description,
    host: url.hostname,
    port: url.port === '' ? (useTls ? 2376 : 2375) : Number(url.port),
    protocol: useTls ? 'https' : 'http',
    ...(tls === undefined ? {} : { tls }),
  };
}

function currentContext(configDir: string, readText: ReadText): string | undefined {
  const text = readText(join(configDir, 'config.json'));
  if (text === undefined || text.trim() === '') return undefined;
  try {
    const config = JSON.parse(text) as { currentContext?: unknown };
    return typeof config.currentContext === 'string' ? nonEmpty(config.currentContext) : undefined;
  } catch {
    throw new Error(`${join(configDir, 'config.json')} is not valid JSON (needed for its currentContext)`);
  }
}

/**
 * A docker context as `docker context create` stores it: metadata under contexts/meta/<sha256 of
 * the name>/meta.json, TLS material under contexts/tls/<same>/docker/.
 */
function contextEndpoint(configDir: string, name: string, readText: ReadText): DockerEndpoint {
  const id = sha256(name);
  const metaPath = join(configDir, 'contexts', 'meta', id, 'meta.json');
  const text = readText(metaPath);
  if (text === undefined) throw new Error(`docker context "${name}" not found (no ${metaPath})`);
  let host: unknown;
  let skipVerify: unknown;
  try {
    const meta = JSON.parse(text) as { Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } };
    host = meta.Endpoints?.docker?.Host;
    skipVerify = meta.Endpoints?.docker?.SkipTLSVerify;
  } catch {
    throw new Error(`docker context "${name}" has unreadable metadata (${metaPath})`);
  }
  if (typeof host !== 'string' || host === '') throw new Error(`docker context "${name}" has no docker endpoint`);
  const tlsDir = join(configDir, 'contexts', 'tls', id, 'docker');
  const hasTls = readText(join(tlsDir, 'ca.pem')) !== undefined || readText(join(tlsDir, 'cert.pem')) !== undefined;
  return endpointFromHost(host, hasTls ? { certPath: tlsDir, verify: skipVerify !== true } : undefined, `${host} (docker context ${name})`);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
