import { versionFloor } from '../../checks/semver-range.js';
import type { CheckContract, CheckResult } from '../../domain/index.js';
import type { CheckEntry, ContractFile } from './model.js';

export interface Baseline {
  readonly file: ContractFile;
  /** Built-in checks the probed image fails, dropped so that it passes its own baseline: id → why. */
  readonly dropped: ReadonlyArray<{ readonly id: string; readonly why: string }>;
}

const PROBE_PREFIX = 'probe-';

/**
 * Pure: a contract the probed image passes, like `goss add`: it extends the built-in worker
 * contract, holds every version found to a floor (`>=` what the image has), adds the other tools
 * the probe found, and drops the built-in checks the image fails (so the file says so instead of
 * failing on the image it came from). `results` are the probe contract's (lifecycle/probe.ts).
 */
export function baselineContract(results: readonly CheckResult[], builtin: CheckContract, name = 'baseline'): Baseline {
  const byId = new Map(results.map((result) => [result.id, result]));
  const checks: CheckEntry[] = [];
  const dropped: Array<{ id: string; why: string }> = [];
  for (const check of builtin.checks) {
    const result = byId.get(check.id);
    if (result === undefined) continue;
    if (!result.passed) {
      dropped.push({ id: check.id, why: result.detail === '' ? 'it fails on the probed image' : result.detail });
      continue;
    }
    const floor = check.kind === 'version' && result.version != null ? versionFloor(result.version) : null;
    if (check.kind === 'version' && floor !== null) {
      checks.push({ id: check.id, kind: 'version', tool: check.tool, range: floor, ...(check.severity === 'hard' ? {} : { severity: check.severity }) });
    }
  }
  for (const result of results) {
    if (!result.id.startsWith(PROBE_PREFIX) || !result.passed || result.version == null) continue;
    const floor = versionFloor(result.version);
    const tool = result.id.slice(PROBE_PREFIX.length);
    if (floor !== null) checks.push({ id: tool, kind: 'version', tool, range: floor });
  }
  const file: ContractFile = { contract: 1, name, extends: 'worker', drop: dropped.map((entry) => entry.id), checks };
  return { file, dropped };
}

