import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { CascadeError, DockerFailure, ExitCode } from '../errors.js';
import type { RegistryCredentials } from '../ports/credentials.js';
import type { DockerPort } from '../ports/docker.js';
import type { StorePort } from '../ports/store.js';
import { parseNormalizedNamed } from '../reference/index.js';
import type { Lazy } from './deps.js';

export interface DoctorCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** What to do about a problem. */
  readonly fix: string | null;
}

export interface DoctorDeps {
  /** The endpoint's description; throws when DOCKER_HOST / the context cannot be resolved. */
  readonly endpoint: () => string;
  readonly docker: Lazy<DockerPort>;
  readonly storePath: string;
  readonly storeExists: () => boolean;
  /** The existing store, opened read-only in spirit: doctor never creates it. */
  readonly store: Lazy<StorePort>;
  readonly credentials: RegistryCredentials;
  /** GETs a URL with a short deadline; resolves the HTTP status, rejects when nothing answered. */
  readonly httpStatus: (url: string) => Promise<number>;
}

export interface DoctorReport {
  readonly checks: readonly DoctorCheck[];
  readonly ok: boolean;
  /** The engine did not answer: the command's exit code is 69 then, as for every command. */
  readonly engineUnavailable: boolean;
}

/**
 * Where everything is and whether it answers: the engine, the store, and for a registry the
 * credential source that would answer (never the secret) and whether the registry itself answers.
 */
export async function doctor(input: { readonly registries: readonly string[] }, deps: DoctorDeps): Promise<DoctorReport> {
  const { unavailable, ...engine } = await engineCheck(deps);
  const checks: DoctorCheck[] = [engine, ...storeChecks(deps.storePath)];
  if (checks.at(-1)?.ok === true && deps.storeExists()) checks.push(await schemaCheck(deps));
  for (const registry of input.registries) checks.push(...(await registryChecks(deps, registry)));
  return { checks, ok: checks.every((check) => check.ok), engineUnavailable: unavailable };
}

async function engineCheck(deps: DoctorDeps): Promise<DoctorCheck & { readonly unavailable: boolean }> {
  let endpoint = '(unresolved)';
  try {
    endpoint = deps.endpoint();
    const version = await (await deps.docker()).version();
    return {
      name: 'engine',
      ok: true,
      detail: `${endpoint} answers: Docker ${version.version} (API ${version.apiVersion}, ${version.os}/${version.architecture})`,
      fix: null,
      unavailable: false,
    };
  } catch (error) {
    return {
      name: 'engine',
      ok: false,
      detail: `${endpoint} does not answer: ${messageOf(error)}`,
      fix: 'start dockerd (as root: bash .ci/engine.sh), or point DOCKER_HOST / --docker-host at a running engine',
      // An endpoint that cannot even be resolved is a set-up mistake (1), not an engine that is down (69).
      unavailable: error instanceof CascadeError && error.exitCode === ExitCode.unavailable,
    };
  }
}

function storeChecks(path: string): DoctorCheck[] {
  if (!existsSync(path)) {
    const folder = nearestExisting(dirname(path));
    const directory = isDirectory(folder);
    const writable = directory && canWrite(folder);
    return [
      {
        name: 'store',
        ok: writable,
        detail: `${path} does not exist yet; ${writable ? `it will be created (${folder} is writable)` : directory ? `${folder} is not writable` : `${folder} is a file, not a folder`}`,
        fix: writable ? null : 'make the folder writable, or point --db / CASCADE_IMAGE_DB at a writable path',
      },
    ];
  }
  const writable = canWrite(path) && canWrite(dirname(path));
  return [
    {
      name: 'store',
      ok: writable,
      detail: `${path} ${writable ? 'is writable' : 'is not writable (or its folder is not: SQLite needs both)'}`,
      fix: writable ? null : 'fix the permissions of the store file and its folder, or point --db elsewhere',
    },
  ];
}

async function schemaCheck(deps: DoctorDeps): Promise<DoctorCheck> {
  try {
    const store = await deps.store();
    return { name: 'schema', ok: true, detail: `${await store.schemaVersion()} (current)`, fix: null };
  } catch (error) {
    return { name: 'schema', ok: false, detail: messageOf(error), fix: error instanceof CascadeError ? (error.hint ?? null) : null };
  }
}

async function registryChecks(deps: DoctorDeps, registry: string): Promise<DoctorCheck[]> {
  const parsed = parseNormalizedNamed(registry.includes('/') ? registry : `${registry}/probe`);
  const domain = parsed.ok ? parsed.value.domain : registry;
  const checks: DoctorCheck[] = [];
  try {
    checks.push({ name: `credentials ${domain}`, ok: true, detail: await deps.credentials.describeSource(domain), fix: null });
  } catch (error) {
    checks.push({
      name: `credentials ${domain}`,
      ok: false,
      detail: messageOf(error),
      fix: error instanceof CascadeError ? (error.hint ?? 'fix your docker config.json') : 'fix your docker config.json',
    });
  }
  checks.push(await registryAnswers(deps, domain));
  return checks;
}

/** GET /v2/: 200 or 401 both mean a registry answers there. Loopback registries speak plain HTTP. */
async function registryAnswers(deps: DoctorDeps, domain: string): Promise<DoctorCheck> {
  const host = domain === 'docker.io' ? 'registry-1.docker.io' : domain;
  const loopback = /^(localhost|127\.[\d.]+|\[::1\])(:\d+)?$/.test(host);
  const url = `${loopback ? 'http' : 'https'}://${host}/v2/`;
  try {
    const status = await deps.httpStatus(url);
    const answers = status === 200 || status === 401;
    return {
      name: `registry ${domain}`,
      ok: answers,
      detail: `${url} answered HTTP ${status}${status === 401 ? ' (authentication required)' : ''}`,
      fix: answers ? null : 'check the registry address; a Docker registry answers 200 or 401 on /v2/',
    };
  } catch (error) {
    return { name: `registry ${domain}`, ok: false, detail: `${url} did not answer: ${messageOf(error)}`, fix: 'check the address, the network and that the registry runs' };
  }
}

function canWrite(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function nearestExisting(path: string): string {
  let current = path;
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function messageOf(error: unknown): string {
  // An engine failure's detail is complete, and the check's own line already names the endpoint.
  if (error instanceof DockerFailure) return error.detail;
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error instanceof Error ? error.message : String(error)}${cause}`;
}
