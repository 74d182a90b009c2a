import type { CheckContract, CheckSeverity, CommandCheck, VersionCheck } from '../domain/index.js';

function version(id: string, severity: CheckSeverity, tool: string): VersionCheck {
  return Object.freeze({ id, label: `${tool} --version`, severity, kind: 'version', tool, run: `${tool} --version`, pattern: null, range: null });
}

function command(id: string, label: string, severity: CheckSeverity, run: string): CommandCheck {
  return Object.freeze({ id, label, severity, kind: 'command', run, exitCode: 0, expectOutput: Object.freeze([]), rejectOutput: Object.freeze([]) });
}

/**
 * The platform's worker contract: four hard checks and two soft ones, and every one must pass
 * (a soft failure fails the image unless a contract says `softFailures: warn`). The version
 * checks carry no range: any version passes, and the version found goes into the inventory.
 */
export const WORKER_CONTRACT: CheckContract = Object.freeze({
  name: 'worker',
  softFailures: 'fail',
  checks: Object.freeze([
    version('cascade-tools', 'hard', 'cascade-tools'),
    version('node', 'hard', 'node'),
    version('git', 'hard', 'git'),
    // Any one engine is enough; `command -v` prints the path it found, which is useful in reports.
    command('engine-cli', 'engine CLI (claude|codex|opencode)', 'hard', 'command -v claude || command -v codex || command -v opencode'),
    version('python', 'soft', 'python'),
    // Global packages are not on node's resolution path by default, hence NODE_PATH.
    command('playwright', '@playwright/test package', 'soft', `NODE_PATH=$(npm root -g) node -e "require('@playwright/test/package.json')"`),
  ]),
});

/**
 * contractHash(WORKER_CONTRACT), written out so that `set` under the built-in contract never loads
 * node:crypto; test/checks/worker-contract.test.ts fails when the contract changes without it.
 */
export const WORKER_CONTRACT_HASH = '115aa4e41a8bc8f09cc127a57aa1ef6175e158833a1efe5b2f1da8d171f0ad70';
