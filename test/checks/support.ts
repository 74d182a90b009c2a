import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Check, CheckContract, CheckSeverity } from '../../src/checks/contract.js';

/** Absolute path of bash, so scripts can run with a PATH that holds only stubs. */
export const BASH: string = (() => {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'bash');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error('bash not found on PATH; these tests need it');
})();

/** Directories holding the real tools a test may want (touch, etc.), not bash-only. */
export const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly lines: readonly string[];
}

export function runBash(
  script: string,
  opts: { cwd: string; path: string; input?: string; env?: Record<string, string> },
): Run {
  // Minimal env, as in a fresh container. HOME points at the (rc-file-free) working dir:
  // Debian's bash sources ~/.bashrc even for `bash -c` when stdin is a socket, which is
  // what node hands a child, and the developer's rc file must not leak into results.
  const res = spawnSync(BASH, ['-c', script], {
    cwd: opts.cwd,
    env: { HOME: opts.cwd, PATH: opts.path, ...opts.env },
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.error) throw res.error;
  return { status: res.status, stdout: res.stdout, stderr: res.stderr, lines: res.stdout.split('\n') };
}

export function syntaxCheck(script: string): { status: number | null; stderr: string } {
  const res = spawnSync(BASH, ['-n'], { input: script, encoding: 'utf8', timeout: 30_000 });
  return { status: res.status, stderr: res.stderr };
}

/** A temp directory tree removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes an executable bash stub named `name` into `binDir`. */
export function stub(binDir: string, name: string, body: string): void {
  mkdirSync(binDir, { recursive: true });
  const file = join(binDir, name);
  writeFileSync(file, `#!${BASH}\n${body}\n`);
  chmodSync(file, 0o755);
}

export function contractOf(
  ...checks: ReadonlyArray<[command: string, severity?: CheckSeverity, label?: string]>
): CheckContract {
  return {
    version: 1,
    checks: checks.map(
      ([command, severity = 'hard', label], index): Check => ({
        id: `c${index}`,
        label: label ?? command,
        severity,
        command,
      }),
    ),
  };
}

export function failLines(run: Run): string[] {
  return run.lines.filter((line) => line.startsWith('FAIL:'));
}
