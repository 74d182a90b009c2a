import { buildSmokeScript } from '../checks/index.js';
import { subjectName, type ContainerCheck, type Subject } from '../domain/index.js';
import type { SmokeRunSpec } from '../ports/docker.js';
import { LABELS, OURS } from './labels.js';

/** How long after its timeout a smoke container is surely abandoned (kill and removal take seconds). */
const CONTAINER_GRACE_MS = 60_000;

/** Resource bounds of the smoke-test container. */
export const SMOKE_LIMITS = {
  memoryBytes: 512 * 1024 * 1024,
  pidsLimit: 256,
  outputLimitBytes: 64 * 1024,
  perCheckOutputBytes: 2048,
} as const;

export interface SmokeRunRequest {
  /** The immutable reference to test: repo@sha256:… or a local image ID. */
  readonly image: string;
  /** The contract's container checks (never empty: a contract of config checks only runs no container). */
  readonly checks: readonly ContainerCheck[];
  /** Names the contract in the script's header comment, for whoever reads the container's command. */
  readonly contractName: string;
  readonly contractHash: string;
  readonly runId: string;
  readonly subject: Subject;
  /** What the container's project label says instead of the subject's name (a probe has no project). */
  readonly labelName?: string;
  readonly createdAt: Date;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

/**
 * The one-shot container that runs the contract's script. The lock-down itself (no network, caps
 * dropped, read-only root) is the adapter's fixed policy; what varies per run is decided here.
 */
export function smokeRunSpec(request: SmokeRunRequest): SmokeRunSpec {
  const { createdAt } = request;
  return {
    image: request.image,
    // Replace any ENTRYPOINT: an image with its own must still be testable. Not a login shell:
    // `bash -l` sources /etc/profile, which resets PATH on Debian-like images.
    entrypoint: ['bash'],
    cmd: ['-c', buildSmokeScript(request.checks, {
        outputLimitBytes: SMOKE_LIMITS.perCheckOutputBytes,
        header: `cascade-image smoke test: contract ${request.contractName}, sha256 ${request.contractHash}. Generated; run with bash -c.`,
      }), 'cascade-smoke'],
    env: ['HOME=/tmp'],
    labels: {
      ...OURS,
      [LABELS.runId]: request.runId,
      [LABELS.project]: request.labelName ?? subjectName(request.subject),
      [LABELS.createdAt]: createdAt.toISOString(),
      [LABELS.expiresAt]: new Date(createdAt.getTime() + request.timeoutMs + CONTAINER_GRACE_MS).toISOString(),
    },
    timeoutMs: request.timeoutMs,
    outputLimitBytes: SMOKE_LIMITS.outputLimitBytes,
    memoryBytes: SMOKE_LIMITS.memoryBytes,
    pidsLimit: SMOKE_LIMITS.pidsLimit,
    ...(request.signal === undefined ? {} : { signal: request.signal }),
  };
}
