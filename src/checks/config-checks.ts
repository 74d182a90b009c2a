import { checkResult } from './result.js';
import type { CheckResult, ConfigCheck, ConfigExpectations, ImageConfig } from '../domain/index.js';

/**
 * A config check against the image's configuration: every expectation present is checked and every
 * mismatch listed, so one run tells the operator everything to fix in the Dockerfile.
 */
export function judgeConfigCheck(check: ConfigCheck, config: ImageConfig): CheckResult {
  return checkResult(check, configMismatches(check.expect, config));
}

function configMismatches(expect: ConfigExpectations, config: ImageConfig): string[] {
  const mismatches: string[] = [];
  const env = envOf(config.env);
  if (expect.user !== undefined) {
    const problem = 'notRoot' in expect.user ? rootProblem(config.user) : userProblem(config.user, expect.user.is);
    if (problem !== null) mismatches.push(problem);
  }
  if (expect.entrypoint !== undefined && !sameList(config.entrypoint, expect.entrypoint)) {
    mismatches.push(`entrypoint ${JSON.stringify(config.entrypoint)}, need ${JSON.stringify(expect.entrypoint)}`);
  }
  if (expect.cmd !== undefined && !sameList(config.cmd, expect.cmd)) mismatches.push(`cmd ${JSON.stringify(config.cmd)}, need ${JSON.stringify(expect.cmd)}`);
  for (const [name, wanted] of Object.entries(expect.env ?? {})) {
    const problem = valueProblem(name, env.get(name), wanted);
    if (problem !== null) mismatches.push(problem);
  }
  if (expect.path !== undefined) {
    const path = env.get('PATH');
    const dirs = new Set((path ?? '').split(':').map(directory));
    for (const dir of expect.path) {
      if (!dirs.has(directory(dir))) mismatches.push(`${dir} not on PATH (${path === undefined ? 'PATH not set' : path === '' ? 'PATH is empty' : path})`);
    }
  }
  for (const [name, wanted] of Object.entries(expect.labels ?? {})) {
    // Own properties only: a label named "constructor" must not find Object.prototype's.
    const found = Object.hasOwn(config.labels, name) ? config.labels[name] : undefined;
    const problem = valueProblem(`label ${name}`, found, wanted);
    if (problem !== null) mismatches.push(problem);
  }
  if (expect.maxSizeBytes !== undefined) {
    const max = expect.maxSizeBytes;
    if (config.sizeBytes === null) mismatches.push(`size unknown, need at most ${bytes(max)}`);
    else if (config.sizeBytes > max) {
      // When rounding makes both read the same, exact bytes say why it failed.
      const [found, need] = bytes(config.sizeBytes) === bytes(max) ? [`${config.sizeBytes} bytes`, `${max} bytes`] : [bytes(config.sizeBytes), bytes(max)];
      mismatches.push(`size ${found}, need at most ${need}`);
    }
  }
  if (expect.os !== undefined && config.os !== expect.os) mismatches.push(`os ${config.os ?? 'unknown'}, need ${expect.os}`);
  if (expect.architecture !== undefined && config.architecture !== expect.architecture) {
    mismatches.push(`architecture ${config.architecture ?? 'unknown'}, need ${expect.architecture}`);
  }
  return mismatches;
}

/**
 * Root is what the engine runs as when User is empty, or names root by name or uid (with any
 * group). The engine reads a uid as a number, so `00` is root too.
 */
export function isRootUser(user: string): boolean {
  const name = userPart(user);
  return name === '' || name === 'root' || /^0+$/.test(name);
}

function userPart(user: string): string {
  return user.split(':')[0] ?? '';
}

function rootProblem(user: string): string | null {
  if (!isRootUser(user)) return null;
  return user === '' ? 'runs as root (User is empty)' : `runs as root (User is ${user})`;
}

/** Only the user part counts: `agent:staff` is agent. A name and a uid cannot be matched without the image's passwd. */
function userProblem(user: string, wanted: string): string | null {
  const [name, need] = [userPart(user), userPart(wanted)];
  const numeric = /^\d+$/.test(name) && /^\d+$/.test(need);
  if (numeric ? Number(name) === Number(need) : name === need) return null;
  return `user ${name === '' ? 'empty (root)' : user}, need ${wanted}`;
}

function valueProblem(name: string, found: string | undefined, wanted: string | null): string | null {
  if (found === undefined) return `${name} not set`;
  if (wanted === null || found === wanted) return null;
  return `${name} is ${found === '' ? 'empty' : found}, need ${wanted === '' ? 'empty' : wanted}`;
}

/** Env entries by name; a later entry wins, as it does in the container. */
function envOf(entries: readonly string[]): Map<string, string> {
  const env = new Map<string, string>();
  for (const entry of entries) {
    const at = entry.indexOf('=');
    if (at === -1) env.set(entry, '');
    else env.set(entry.slice(0, at), entry.slice(at + 1));
  }
  return env;
}

/** `/opt/tools/` and `/opt/tools` are the same directory on PATH. */
function directory(dir: string): string {
  return dir.length > 1 ? dir.replace(/\/+$/, '') || '/' : dir;
}

function sameList(found: readonly string[], wanted: readonly string[]): boolean {
  return found.length === wanted.length && found.every((item, index) => item === wanted[index]);
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;

/** Decimal units with three significant digits, as `docker images` shows sizes (4.33 MB, 412 MB). */
export function bytes(count: number): string {
  let value = count;
  let unit = 0;
  // On the rounded value: 999,600 bytes reads 1 MB, not 1000 kB.
  while (unit < UNITS.length - 1 && Number(value.toPrecision(3)) >= 1000) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? count : Number(value.toPrecision(3))} ${UNITS[unit]}`;
}
