import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AppContext } from '../cli/context.js';
import { CascadeError } from '../errors.js';
import { parseNormalizedNamed } from '../reference/index.js';

export interface DoctorCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** What to do about a problem. */
  readonly fix: string | null;
}

/**
 * Where everything is and whether it answers: the engine, the store, and for a registry the
 * credential source that would answer (never the secret) and whether the registry itself answers.
 */
export async function doctor(ctx: AppContext, registries: readonly string[]): Promise<readonly DoctorCheck[]> {
  const checks: DoctorCheck[] = [await engineCheck(ctx), ...storeChecks(ctx)];
  if (checks.at(-1)?.ok === true && ctx.storeExists()) checks.push(await schemaCheck(ctx));
  for (const registry of registries) checks.push(...(await registryChecks(ctx, registry)));
  return checks;
}

async function engineCheck(ctx: AppContext): Promise<DoctorCheck> {
  let endpoint = '(unresolved)';
  try {
    endpoint = ctx.dockerEndpoint().description;
    const version = await (await ctx.docker()).version();
    return { name: 'engine', ok: true, detail: `${endpoint} answers: Docker ${version.version} (API ${version.apiVersion}, ${version.os}/${version.architecture})`, fix: null };
  } catch (error) {
    return {
      name: 'engine',
      ok: false,
      detail: `${endpoint} does not answer: ${messageOf(error)}`,
      fix: 'start dockerd (as root: bash .ci/engine.sh), or point DOCKER_HOST / --docker-host at a running engine',
    };
  }
}

function storeChecks(ctx: AppContext): DoctorCheck[] {
  const path = ctx.storePath;
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

async function schemaCheck(ctx: AppContext): Promise<DoctorCheck> {
  try {
    const store = await ctx.readStore();
    return { name: 'schema', ok: true, detail: `${await store.schemaVersion()} (current)`, fix: null };
  } catch (error) {
    return { name: 'schema', ok: false, detail: messageOf(error), fix: error instanceof CascadeError ? (error.hint ?? null) : null };
  }
}

async function registryChecks(ctx: AppContext, registry: string): Promise<DoctorCheck[]> {
  const parsed = parseNormalizedNamed(registry.includes('/') ? registry : `${registry}/probe`);
  const domain = parsed.ok ? parsed.value.domain : registry;
  const checks: DoctorCheck[] = [];
  try {
    const lookup = await ctx.credentialLookup(domain);
    const { describeCredentialSource } = await import('../credentials/index.js');
    checks.push({ name: `credentials ${domain}`, ok: true, detail: describeCredentialSource(lookup), fix: null });
  } catch (error) {
    checks.push({
      name: `credentials ${domain}`,
      ok: false,
      detail: messageOf(error),
      fix: error instanceof CascadeError ? (error.hint ?? 'fix your docker config.json') : 'fix your docker config.json',
    });
  }
  checks.push(await registryAnswers(domain));
  return checks;
}

/** GET /v2/: 200 or 401 both mean a registry answers there. Loopback registries speak plain HTTP. */
async function registryAnswers(domain: string): Promise<DoctorCheck> {
  const host = domain === 'docker.io' ? 'registry-1.docker.io' : domain;
  const loopback = /^(localhost|127\.[\d.]+|\[::1\])(:\d+)?$/.test(host);
  const url = `${loopback ? 'http' : 'https'}://${host}/v2/`;
  try {
    const response = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(5000), redirect: 'manual' });
    const answers = response.status === 200 || response.status === 401;
    return {
      name: `registry ${domain}`,
      ok: answers,
      detail: `${url} answered HTTP ${response.status}${response.status === 401 ? ' (authentication required)' : ''}`,
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
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error instanceof Error ? error.message : String(error)}${cause}`;
}
