import { WORKER_CONTRACT } from '../checks/worker-contract.js';
import { DEFAULT_SUBJECT, type CheckContract, type CheckResult, type VersionCheck } from '../domain/index.js';
import { validationBoundMs } from './bounds.js';
import { evaluateReference, type SmokeCache } from './evaluate.js';
import type { FullEvaluation } from './evaluation.js';
import type { ValidationEngine } from './validator.js';

/** Tools a worker image commonly carries beyond the built-in checks; the probe records whichever it finds. */
export const PROBED_TOOLS = ['npm', 'python3', 'bash', 'curl', 'gh', 'jq', 'pnpm', 'yarn', 'pip', 'uv', 'go', 'claude', 'codex', 'opencode'] as const;

/** The label of a probe's container: it belongs to no project. */
export const PROBE_LABEL = '(contract init)';

/**
 * The probe: every built-in check, plus a version check per extra tool, all soft and warned
 * about, so that one run sees everything the image has (and lacks) without failing early.
 */
export function probeContract(): CheckContract {
  const builtinTools = new Set(WORKER_CONTRACT.checks.flatMap((check) => (check.kind === 'version' ? [check.tool] : [])));
  const extra: VersionCheck[] = PROBED_TOOLS.filter((tool) => !builtinTools.has(tool)).map((tool) => ({
    id: `probe-${tool}`,
    label: `${tool} --version`,
    severity: 'soft',
    kind: 'version',
    tool,
    run: `${tool} --version`,
    pattern: null,
    range: null,
  }));
  return {
    name: 'probe',
    softFailures: 'warn',
    checks: [...WORKER_CONTRACT.checks.map((check) => ({ ...check, severity: 'soft' as const })), ...extra],
  };
}

/** Remembers nothing: a probe's verdict is not a verdict on any project's image. */
const NO_CACHE: SmokeCache = {
  cachedSmoke: async () => undefined,
  saveSmoke: async () => undefined,
  exclusiveSmoke: (_image, _contract, _signal, fn) => fn(),
  smokeLock: 'process',
};

export interface ProbeRequest {
  readonly reference: string;
  readonly allowLocal: boolean;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

export interface ProbeResult {
  readonly evaluation: FullEvaluation;
  /** Every probe check's result; undefined when the image never got as far as the container. */
  readonly results: readonly CheckResult[] | undefined;
}

/** pull → pin → the probe contract in the same locked-down one-shot container a validation uses. */
export async function probeImage(engine: ValidationEngine, request: ProbeRequest): Promise<ProbeResult> {
  const contract = probeContract();
  const { contractHash } = await import('../checks/contract-hash.js');
  const bound = AbortSignal.timeout(validationBoundMs(request.timeoutMs));
  const evaluation = await evaluateReference(
    { ...engine, store: NO_CACHE, listener: () => undefined },
    {
      // The container's labels name the probe; the subject only says which slot's events these are.
      subject: DEFAULT_SUBJECT,
      allowLocal: request.allowLocal,
      reference: request.reference,
      runId: engine.newRunId(),
      contract: { source: 'builtin', hash: contractHash(contract), contract },
      timeoutMs: request.timeoutMs,
      interrupt: request.signal,
      signal: request.signal === undefined ? bound : AbortSignal.any([request.signal, bound]),
      fresh: true,
      labelName: PROBE_LABEL,
    },
  );
  return { evaluation, results: evaluation.report?.results };
}
