import type { Check, CheckContract, ConfigExpectations } from '../../domain/index.js';
import { DEFAULT_SEVERITY, defaultLabel, defaultVersionRun, type UnlabeledCheck } from './defaults.js';
import { contractFileError, positionsLocator, type Problem } from './errors.js';
import type { CheckEntry, ConfigEntry, ContractFile } from './model.js';

/**
 * The contract a file means: `extends` and `drop` applied, each check with an extended check's
 * id replacing that check in place (new ids follow, in file order), every default filled in.
 * The result has exactly the domain's shape, so equal meanings hash equally.
 */
export function resolveContract(file: ContractFile, builtin: CheckContract): CheckContract {
  const base = file.extends === undefined ? [] : builtin.checks;
  const baseIds = new Set(base.map((check) => check.id));
  const problems: Problem[] = [];
  file.drop.forEach((id, index) => {
    if (!baseIds.has(id)) problems.push({ path: ['drop', index], message: `${JSON.stringify(id)} is not a check of the ${builtin.name} contract (its checks: ${[...baseIds].join(', ')})` });
  });
  // The parser refuses these already; a file built in code gets the same answer.
  const seen = new Set<string>();
  file.checks.forEach(({ id }, index) => {
    if (seen.has(id)) problems.push({ path: ['checks', index, 'id'], message: `${JSON.stringify(id)} is used twice` });
    seen.add(id);
  });

  const dropped = new Set(file.drop);
  const own = new Map(file.checks.map((entry) => [entry.id, resolveCheck(entry)] as const));
  const checks = [
    // Copies: the result is frozen whole, and the caller's built-in is not ours to freeze.
    ...base.filter((check) => !dropped.has(check.id)).map((check) => own.get(check.id) ?? structuredClone(check)),
    ...file.checks.filter((entry) => !baseIds.has(entry.id)).map(resolveCheck),
  ];
  if (checks.length === 0) problems.push({ path: file.drop.length > 0 ? ['drop'] : ['checks'], message: 'leaves no checks: a contract needs at least one' });
  if (problems.length > 0) throw contractFileError(file.origin?.file ?? file.name, problems, positionsLocator(file.origin?.positions));

  return deepFreeze({
    name: file.name,
    softFailures: file.softFailures ?? (file.extends === undefined ? 'fail' : builtin.softFailures),
    checks,
  });
}

export function resolveCheck(entry: CheckEntry): Check {
  const check = unlabeled(entry);
  return { ...check, label: entry.label ?? defaultLabel(check) };
}

function unlabeled(entry: CheckEntry): UnlabeledCheck {
  const common = { id: entry.id, severity: entry.severity ?? DEFAULT_SEVERITY };
  switch (entry.kind) {
    case 'command':
      return { ...common, kind: 'command', run: entry.run, exitCode: entry.exitCode ?? 0, expectOutput: [...(entry.expectOutput ?? [])], rejectOutput: [...(entry.rejectOutput ?? [])] };
    case 'version':
      return { ...common, kind: 'version', tool: entry.tool, run: entry.run ?? defaultVersionRun(entry.tool), pattern: entry.pattern ?? null, range: entry.range ?? null };
    case 'file':
      return { ...common, kind: 'file', path: entry.path, type: entry.type ?? 'any', executable: entry.executable ?? null, mode: entry.mode ?? null, owner: entry.owner ?? null };
    case 'config':
      return { ...common, kind: 'config', expect: expectations(entry) };
  }
}

/** Only the expectations the file states: an absent one is not checked (and not in the hash). */
function expectations(entry: ConfigEntry): ConfigExpectations {
  const all: Record<keyof ConfigExpectations, unknown> = {
    user: entry.user === undefined ? undefined : { ...entry.user },
    entrypoint: entry.entrypoint === undefined ? undefined : [...entry.entrypoint],
    cmd: entry.cmd === undefined ? undefined : [...entry.cmd],
    env: entry.env === undefined ? undefined : { ...entry.env },
    path: entry.pathIncludes === undefined ? undefined : [...entry.pathIncludes],
    labels: entry.labels === undefined ? undefined : { ...entry.labels },
    maxSizeBytes: entry.maxSize,
    os: entry.os,
    architecture: entry.architecture,
  };
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined)) as ConfigExpectations;
}

/** Contracts are shared values (the built-in is frozen too): nobody may change one in place. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const field of Object.values(value)) deepFreeze(field);
    Object.freeze(value);
  }
  return value;
}
