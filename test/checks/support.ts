import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { CheckContract, CheckSeverity, CommandCheck, ContainerCheck, FileCheck, VersionCheck } from '../../src/domain/index.js';

/** The first executable `name` in the directories of `path`, or null. */
function which(name: string, path: string): string | null {
  for (const dir of path.split(delimiter)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** Absolute path of bash, so scripts can run with a PATH that holds only stubs. */
export const BASH: string = (() => {
  const bash = which('bash', process.env.PATH ?? '');
  if (bash === null) throw new Error('bash not found on PATH; these tests need it');
  return bash;
})();

/** Directories holding the real tools a test may want (touch, etc.), not bash-only. */
export const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';

export interface Run {
  readonly status: number | null;
  /** The signal that ended bash, if one did. */
  readonly signal: NodeJS.Signals | null;
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
  return { status: res.status, signal: res.signal, stdout: res.stdout, stderr: res.stderr, lines: res.stdout.split('\n') };
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

/** Absolute path of a real tool on SYSTEM_PATH, or null when this machine lacks it. */
export function systemTool(name: string): string | null {
  return which(name, SYSTEM_PATH);
}

/** A directory holding only `name` → `target` links: a PATH with exactly these tools and nothing else. */
export function toolDir(dir: string, tools: Readonly<Record<string, string>>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, target] of Object.entries(tools)) symlinkSync(target, join(dir, name));
  return dir;
}

/** Writes an executable bash stub named `name` into `binDir`. */
export function stub(binDir: string, name: string, body: string): void {
  mkdirSync(binDir, { recursive: true });
  const file = join(binDir, name);
  writeFileSync(file, `#!${BASH}\n${body}\n`);
  chmodSync(file, 0o755);
}

let nextId = 0;
const id = () => `c${nextId++}`;

/** A command check passing on exit 0 with no output patterns; `patch` overrides any field. */
export function commandCheck(run: string, patch: Partial<Omit<CommandCheck, 'kind'>> = {}): CommandCheck {
  return { id: id(), label: run, severity: 'hard', kind: 'command', run, exitCode: 0, expectOutput: [], rejectOutput: [], ...patch };
}

/** A version check of `tool`, running `<tool> --version` unless `patch` says otherwise. */
export function versionCheck(tool: string, patch: Partial<Omit<VersionCheck, 'kind'>> = {}): VersionCheck {
  return { id: id(), label: `${tool} --version`, severity: 'hard', kind: 'version', tool, run: `${tool} --version`, pattern: null, range: null, ...patch };
}

/** A file check of `path` that expects nothing but existence unless `patch` says otherwise. */
export function fileCheck(path: string, patch: Partial<Omit<FileCheck, 'kind'>> = {}): FileCheck {
  return { id: id(), label: path, severity: 'hard', kind: 'file', path, type: 'any', executable: null, mode: null, owner: null, ...patch };
}

/** Plain command checks, labelled with their command unless a label is given. */
export function commands(
  ...specs: ReadonlyArray<[run: string, severity?: CheckSeverity, label?: string]>
): CommandCheck[] {
  return specs.map(([run, severity = 'hard', label = run]) => commandCheck(run, { severity, label }));
}

/** The checks of a contract that run in the smoke container, as the caller hands them to the script. */
export function containerChecks(contract: CheckContract): ContainerCheck[] {
  return contract.checks.filter((check): check is ContainerCheck => check.kind !== 'config');
}

export function failLines(run: Run): string[] {
  return run.lines.filter((line) => line.startsWith('FAIL:'));
}
