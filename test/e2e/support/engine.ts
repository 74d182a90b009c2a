import path from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT } from './paths.js';

export interface EngineStatus {
  /** true when `docker info` answers after `.ci/engine.sh` ran. */
  ok: boolean;
  /** The script's one-line report (success) or its complaint (failure). */
  message: string;
}

/** Runs `.ci/engine.sh` (the same script CI and the demo use) and reports what it said. */
export async function engineStatus(opts: { check?: boolean } = {}): Promise<EngineStatus> {
  const script = path.join(REPO_ROOT, '.ci', 'engine.sh');
  const r = await execa('bash', [script, ...(opts.check ? ['--check'] : [])], {
    cwd: REPO_ROOT,
    reject: false,
    all: true,
    stdin: 'ignore',
    timeout: 15 * 60_000, // a fresh machine installs packages first
  });
  return { ok: r.exitCode === 0, message: (r.all ?? '').trim() };
}

/**
 * Makes sure a Docker engine answers, starting one through `.ci/engine.sh` if it can.
 *
 * Policy: under CI (`CI === 'true'`) a missing engine is an ERROR — this throws, so the e2e suite
 * fails instead of silently skipping. Outside CI it returns false, so tests can
 * `describe.skipIf(!inject('e2e').engine)`.
 */
export async function ensureEngine(): Promise<boolean> {
  const status = await engineStatus();
  if (status.ok) return true;
  if (process.env.CI === 'true') {
    throw new Error(`CI=true but no Docker engine could be brought up by .ci/engine.sh:\n${status.message}`);
  }
  console.warn(`[e2e] no Docker engine — e2e tests will be skipped.\n${status.message}`);
  return false;
}
