import { createRequire } from 'node:module';

/** A hard failure means the image cannot host a run; a soft one is a degraded but usable image. */
export type CheckSeverity = 'hard' | 'soft';

export interface Check {
  /** Short stable slug, for code and reports. */
  readonly id: string;
  /** Human text; printed verbatim in `FAIL: <label> check failed`. */
  readonly label: string;
  readonly severity: CheckSeverity;
  /** Shell code run by bash inside the image; trusted, it comes from this module, never from users. */
  readonly command: string;
}

export interface CheckContract {
  readonly version: number;
  readonly checks: readonly Check[];
}

function check(id: string, label: string, severity: CheckSeverity, command: string): Check {
  return Object.freeze({ id, label, severity, command });
}

/** What a worker image must provide before an agent run may be launched in it. */
export const WORKER_CONTRACT: CheckContract = Object.freeze({
  version: 1,
  checks: Object.freeze([
    check('cascade-tools', 'cascade-tools --version', 'hard', 'cascade-tools --version'),
    check('node', 'node --version', 'hard', 'node --version'),
    check('git', 'git --version', 'hard', 'git --version'),
    // Any one engine is enough; `command -v` prints the path it found, which is useful in reports.
    check(
      'engine-cli',
      'engine CLI (claude|codex|opencode)',
      'hard',
      'command -v claude || command -v codex || command -v opencode',
    ),
    check('python', 'python --version', 'soft', 'python --version'),
    // Global packages are not on node's resolution path by default, hence NODE_PATH.
    check(
      'playwright',
      '@playwright/test package',
      'soft',
      `NODE_PATH=$(npm root -g) node -e "require('@playwright/test/package.json')"`,
    ),
  ]),
});

/**
 * sha256 (hex) of a canonical serialization: fields are picked explicitly in a fixed (sorted)
 * order, so the hash depends only on contract content — not on key insertion order or on
 * extra properties a caller's object happens to carry.
 */
export function contractHash(contract: CheckContract): string {
  const canonical = {
    checks: contract.checks.map((c) => ({
      command: c.command,
      id: c.id,
      label: c.label,
      severity: c.severity,
    })),
    version: contract.version,
  };
  // Required on first use: `show` reaches this module (through the container labels) but never
  // hashes, and loading node:crypto costs a visible share of its start.
  const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(JSON.stringify(canonical), 'utf8').digest('hex');
}
