import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { CascadeError, DockerFailure, ExitCode } from '../errors.js';
import type { RegistryCredentials } from '../ports/credentials.js';
import type { DockerPort } from '../ports/docker.js';
import type { StoreDescription, StorePort } from '../ports/store.js';
import { parseNormalizedNamed } from '../reference/index.js';
import type { Lazy } from './deps.js';

export interface DoctorCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** What to do about a problem. */
  readonly fix: string | null;
  /** What is fine for now but weakens a guarantee (present only when there is any). */
  readonly warnings?: readonly string[];
}

/** The store doctor looks at, as the composition root resolved it. */
export type DoctorStore =
  | {
      readonly kind: 'sqlite';
      readonly path: string;
      readonly exists: () => boolean;
      /** The existing store, opened read-only in spirit: doctor never creates it. */
      readonly open: Lazy<StorePort>;
    }
  | {
      readonly kind: 'postgres';
      /** The server and database as messages name them (never the password). */
      readonly location: string;
      readonly schema: string;
      /** The role the client authenticates as. */
      readonly role: string;
      /** Connects without creating anything; `undefined` when the server answers but the schema does not exist yet. */
      readonly open: () => Promise<StorePort | undefined>;
    };

export interface DoctorDeps {
  /** The endpoint's description; throws when DOCKER_HOST / the context cannot be resolved. */
  readonly endpoint: () => string;
  readonly docker: Lazy<DockerPort>;
  readonly store: DoctorStore;
  readonly credentials: RegistryCredentials;
  /** GETs a URL with a short deadline; resolves the HTTP status, rejects when nothing answered. */
  readonly httpStatus: (url: string) => Promise<number>;
}

export interface DoctorReport {
  readonly checks: readonly DoctorCheck[];
  readonly ok: boolean;
  /** The engine did not answer: the command's exit code is 69 then, as for every command. */
  readonly engineUnavailable: boolean;
  /** On a server: where the store is and who this process is there (absent for SQLite, or when it could not be read). */
  readonly store?: StoreDescription;
}

/**
 * Where everything is and whether it answers: the engine, the store, and for a registry the
 * credential source that would answer (never the secret) and whether the registry itself answers.
 */
export async function doctor(input: { readonly registries: readonly string[] }, deps: DoctorDeps): Promise<DoctorReport> {
  const { unavailable, ...engine } = await engineCheck(deps);
  const checks: DoctorCheck[] = [engine];
  let description: StoreDescription | undefined;
  if (deps.store.kind === 'sqlite') {
    const { path, exists, open } = deps.store;
    checks.push(...storeChecks(path));
    if (checks.at(-1)?.ok === true && exists()) checks.push(await schemaCheck(open));
  } else {
    const server = await serverChecks(deps.store);
    checks.push(...server.checks);
    description = server.description;
  }
  for (const registry of input.registries) checks.push(...(await registryChecks(deps, registry)));
  return { checks, ok: checks.every((check) => check.ok), engineUnavailable: unavailable, ...(description === undefined ? {} : { store: description }) };
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

async function schemaCheck(open: Lazy<StorePort>): Promise<DoctorCheck> {
  try {
    const store = await open();
    return { name: 'schema', ok: true, detail: `${await store.schemaVersion()} (current)`, fix: null };
  } catch (error) {
    return { name: 'schema', ok: false, detail: messageOf(error), fix: error instanceof CascadeError ? (error.hint ?? null) : null };
  }
}

/** What each operator role may do, as src/lifecycle/authorization.ts decides it (and the server's triggers enforce it). */
const MAY: Record<'superadmin' | 'viewer' | 'none', string> = {
  superadmin: 'superadmin: changes, re-validates, reads',
  viewer: 'viewer: re-validates, reads',
  none: 'not an operator: reads only',
};

/**
 * A PostgreSQL store: that the server answers (connecting never creates the schema), the schema's
 * version, and who this process is there: the authenticated role is the actor of every change.
 */
async function serverChecks(store: Extract<DoctorStore, { kind: 'postgres' }>): Promise<{ checks: DoctorCheck[]; description?: StoreDescription }> {
  const where = `${store.location}, schema ${store.schema}`;
  let opened: StorePort | undefined;
  try {
    opened = await store.open();
  } catch (error) {
    return {
      checks: [
        {
          name: 'store',
          ok: false,
          detail: messageOf(error),
          fix: (error instanceof CascadeError ? error.hint : undefined) ?? 'check the server, and the URL in --db / CASCADE_IMAGE_DB (postgres://role@host:port/database)',
        },
      ],
    };
  }
  if (opened === undefined) {
    return {
      checks: [
        {
          name: 'store',
          ok: true,
          detail: `${where}: the server answers; the schema does not exist yet: the first change creates it (the role needs CREATE on the database) and makes role ${store.role} its first superadmin`,
          fix: null,
        },
      ],
    };
  }
  const checks: DoctorCheck[] = [{ name: 'store', ok: true, detail: `${where}: the server answers`, fix: null }];
  checks.push(await schemaCheck(async () => opened));
  let description: StoreDescription;
  try {
    description = await opened.describe();
  } catch (error) {
    checks.push({ name: 'role', ok: false, detail: `cannot tell who role ${store.role} is there: ${messageOf(error)}`, fix: error instanceof CascadeError ? (error.hint ?? null) : null });
    return { checks };
  }
  if (description.kind !== 'postgres') return { checks, description };
  const role = description.connectedRole;
  const warnings: string[] = [];
  if (description.serverSuperuser) {
    warnings.push(`${role} is a server superuser: it can disable the triggers that enforce the rule, so the rule binds it only as long as it lets it; run cascade-image as a role that is not`);
  }
  if (description.schemaOwner) {
    warnings.push(`${role} owns the schema ${description.schema} or its tables: it can alter or drop the tables and triggers that enforce the rule, so the rule binds it only as long as it lets it; run day-to-day changes and cron as roles that do not own it`);
  }
  checks.push({
    name: 'role',
    ok: true,
    detail: `connected as ${role}: ${MAY[description.operatorRole ?? 'none']}`,
    fix: null,
    ...(warnings.length === 0 ? {} : { warnings }),
  });
  return { checks, description };
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
