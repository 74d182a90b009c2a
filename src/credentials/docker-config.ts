import { join } from 'node:path';
import { CredentialsUnavailableError } from './errors.js';

/** The key Docker Hub credentials live under, a relic of the v1 index that every tool still uses. */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

// Names the Hub goes by; a reference normalizes to docker.io, the CLI may have written any of them.
const HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** One `auths` entry, as written by `docker login` or by hand. */
export interface AuthEntry {
  /** base64 of `user:password`. */
  readonly auth?: string;
  readonly username?: string;
  readonly password?: string;
  readonly identitytoken?: string;
}

/** The parts of ~/.docker/config.json that decide credentials; everything else is ignored. */
export interface DockerConfig {
  /** In file order, so that a fallback match by host is deterministic. */
  readonly auths: ReadonlyArray<readonly [key: string, entry: AuthEntry]>;
  readonly credHelpers: ReadonlyMap<string, string>;
  /** undefined or '' means "use auths". */
  readonly credsStore: string | undefined;
}

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`; an empty DOCKER_CONFIG counts as unset, as in the CLI. */
export function dockerConfigPath(env: Readonly<Record<string, string | undefined>>, homedir: string): string {
  const dir = env.DOCKER_CONFIG;
  return join(dir !== undefined && dir !== '' ? dir : join(homedir, '.docker'), 'config.json');
}

/**
 * The host[:port] part of a registry address. `auths` keys are often full URLs
 * (`https://registry.example.com/v1/`) from older CLIs; like the CLI's ConvertToHostname,
 * drop an http(s) scheme and anything from the first slash.
 */
export function hostOf(address: string): string {
  const withoutScheme = address.trim().replace(/^https?:\/\//i, '');
  const slash = withoutScheme.indexOf('/');
  return slash === -1 ? withoutScheme : withoutScheme.slice(0, slash);
}

/** Comparison form: hostnames are case-insensitive and the Hub has several names. */
function matchKey(address: string): string {
  const host = hostOf(address).toLowerCase();
  return HUB_HOSTS.has(host) ? 'docker.io' : host;
}

/** Whether two addresses (keys, hosts or URLs) name the same registry. */
export function sameRegistry(a: string, b: string): boolean {
  return matchKey(a) === matchKey(b);
}

/**
 * The key the docker CLI stores and looks up credentials under (registry.GetAuthConfigKey):
 * the Hub's v1 index URL for docker.io, otherwise the host[:port] as written.
 */
export function registryKey(domain: string): string {
  return matchKey(domain) === 'docker.io' ? DOCKER_HUB_KEY : hostOf(domain);
}

/** Exact key first (what the CLI does), then the first entry in file order naming the same host. */
export function findByRegistry<T>(entries: Iterable<readonly [string, T]>, key: string): readonly [string, T] | undefined {
  const list = [...entries];
  return list.find(([k]) => k === key) ?? list.find(([k]) => sameRegistry(k, key));
}

/**
 * Decodes an `auth` field into user and password. Split at the FIRST colon, as the CLI does:
 * user names cannot hold one, passwords and tokens may. Trailing NULs are trimmed like the CLI.
 */
export function decodeAuthField(auth: string, describeEntry: () => string): { username: string; password: string } {
  const compact = auth.replace(/\s+/g, '');
  // Buffer.from silently skips invalid characters, so check the alphabet first.
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    throw new CredentialsUnavailableError(`${describeEntry()}: "auth" is not valid base64`, {
      hint: 'log in again with docker login, or write auth as base64 of user:password',
    });
  }
  const decoded = Buffer.from(compact, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) {
    throw new CredentialsUnavailableError(`${describeEntry()}: "auth" does not decode to user:password`, {
      hint: 'log in again with docker login, or write auth as base64 of user:password',
    });
  }
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1).replace(/\0+$/, '') };
}
