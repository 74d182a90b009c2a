/**
 * Where the Docker engine is, resolved from the environment the way the docker CLI does for the
 * common cases (DOCKER_HOST unix:// and tcp://, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH), or an
 * explicit --docker-host. Pure: the caller hands in the environment.
 */
export interface DockerEndpoint {
  /** Human form for messages, e.g. unix:///var/run/docker.sock. */
  readonly description: string;
  readonly socketPath?: string;
  readonly host?: string;
  readonly port?: number;
  readonly protocol?: 'http' | 'https' | 'ssh';
  readonly username?: string;
  readonly tls?: { readonly certPath: string; readonly verify: boolean };
}

const DEFAULT_SOCKET = '/var/run/docker.sock';

export function resolveDockerEndpoint(
  env: Readonly<Record<string, string | undefined>>,
  override?: string,
  homeDir?: string,
): DockerEndpoint {
  const raw = override ?? env.DOCKER_HOST;
  if (raw === undefined || raw === '') return { description: `unix://${DEFAULT_SOCKET}`, socketPath: DEFAULT_SOCKET };
  if (raw.startsWith('unix://')) {
    const socketPath = raw.slice('unix://'.length) || DEFAULT_SOCKET;
    return { description: `unix://${socketPath}`, socketPath };
  }
  const url = new URL(raw);
  if (url.protocol === 'ssh:') {
    return {
      description: raw,
      protocol: 'ssh',
      host: url.hostname,
      port: url.port === '' ? 22 : Number(url.port),
      ...(url.username === '' ? {} : { username: url.username }),
    };
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`unsupported DOCKER_HOST scheme ${url.protocol} (use unix://, tcp:// or ssh://)`);
  }
  const verify = (env.DOCKER_TLS_VERIFY ?? '') !== '';
  const useTls = verify || url.protocol === 'https:' || (env.DOCKER_TLS ?? '') !== '';
  const certPath = env.DOCKER_CERT_PATH ?? (homeDir === undefined ? '.docker' : `${homeDir}/.docker`);
  return {
    description: raw,
    host: url.hostname,
    port: url.port === '' ? (useTls ? 2376 : 2375) : Number(url.port),
    protocol: useTls ? 'https' : 'http',
    ...(useTls ? { tls: { certPath, verify } } : {}),
  };
}
