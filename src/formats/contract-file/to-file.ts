import type { Check, CheckContract } from '../../domain/index.js';
import type { CheckEntry, ContractFile } from './model.js';

/**
 * The fully explicit file for a resolved contract: no `extends`, every check with every field
 * that has a value (defaults included), so it reads the same whatever the defaults become.
 * Fields that are null in the contract (not checked, default pattern) are left out.
 */
export function contractToFile(contract: CheckContract): ContractFile {
  return { contract: 1, name: contract.name, softFailures: contract.softFailures, drop: [], checks: contract.checks.map(entryOf) };
}

function entryOf(check: Check): CheckEntry {
  const common = { id: check.id, label: check.label, severity: check.severity };
  switch (check.kind) {
    case 'command':
      return { ...common, kind: 'command', run: check.run, exitCode: check.exitCode, expectOutput: [...check.expectOutput], rejectOutput: [...check.rejectOutput] };
    case 'version':
      return { ...common, kind: 'version', tool: check.tool, run: check.run, ...present({ pattern: check.pattern, range: check.range }) };
    case 'file':
      return { ...common, kind: 'file', path: check.path, type: check.type, ...present({ executable: check.executable, mode: check.mode, owner: check.owner }) };
    case 'config': {
      const { path, maxSizeBytes, ...same } = check.expect;
      return { ...common, kind: 'config', ...structuredClone(same), ...present({ pathIncludes: path === undefined ? null : [...path], maxSize: maxSizeBytes ?? null }) };
    }
  }
}

/** The fields that are not null. */
function present<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null)) as { [K in keyof T]?: Exclude<T[K], null> };
}
