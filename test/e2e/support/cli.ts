// Runs the BUILT cascade-image binary the way a user does, against a throwaway store, and reads
// what it left behind: the SQLite store (opened read-only) and the engine's containers and events.
import { existsSync } from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { onTestFinished } from 'vitest';
import { INSTALLED_BIN } from './paths.js';

/**
 * The installed package's command (`npm test` builds, packs and installs it first). CASCADE_E2E_BIN
 * points the suite at another build of the same CLI.
 */
export const BIN = process.env.CASCADE_E2E_BIN || INSTALLED_BIN;
export const DEFAULT_ACTOR = 'alice';
/** The label every container cascade-image creates carries. */
export const MANAGED_LABEL = 'io.cascade-image.managed';

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout split into lines, without the trailing empty one. */
  lines: string[];
  /** stderr split into lines, without the trailing empty one. */
  errLines: string[];
  /** stdout and stderr interleaved in the order they arrived. */
  all: string;
  durationMs: number;
}

export interface RunOptions {
  /** --actor is not passed; CASCADE_ACTOR is set to this (default 'alice'). */
  actor?: string;
  /** Extra environment; a key set to undefined is removed from the child's environment. */
  env?: Record<string, string | undefined>;
  /** Kill the process after this long (default 120 s). */
  timeoutMs?: number;
}

/** Variables of the caller's environment that would leak into the product's behaviour. */
const SCRUBBED: Record<string, undefined> = {
  CASCADE_IMAGE_DB: undefined,
  CASCADE_ACTOR: undefined,
  CASCADE_DEFAULT_WORKER_IMAGE: undefined,
  CASCADE_IMAGE_DEBUG: undefined,
  FORCE_COLOR: undefined,
};

function splitLines(text: string): string[] {
  return text === '' ? [] : text.split('\n');
}

/** One CLI sandbox: a temp dir holding the store, removed when the test finishes. */
export interface Cli {
  readonly dir: string;
  /** The store file (CASCADE_IMAGE_DB); it does not exist until a command creates it. */
  readonly db: string;
  /** Runs `cascade-image ...args` and waits for it; never throws on a non-zero exit. */
  run(args: readonly string[], opts?: RunOptions): Promise<CliResult>;
  /** Starts `cascade-image ...args` and hands back the live execa process (for streaming tests). */
  spawn(args: readonly string[], opts?: RunOptions): CliProcess;
  /** A read-only view of the store as it is now. */
  store(): StoreSnapshot;
}

function spawnCli(db: string, dir: string, args: readonly string[], opts: RunOptions = {}) {
  return execa(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: {
      ...SCRUBBED,
      CASCADE_IMAGE_DB: db,
      CASCADE_ACTOR: opts.actor ?? DEFAULT_ACTOR,
      // Belt and braces: if the product ever ignored CASCADE_IMAGE_DB, it would still write in here.
      XDG_DATA_HOME: path.join(dir, 'xdg'),
      NO_COLOR: '1',
      ...opts.env,
    },
    reject: false,
    stdin: 'ignore',
    all: true,
    timeout: opts.timeoutMs ?? 120_000,
  });
}
export type CliProcess = ReturnType<typeof spawnCli>;

/** A sandbox for one test: a fresh temp dir for the store, removed when the test finishes. */
export async function tempCli(): Promise<Cli> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cascade-cli-'));
  onTestFinished(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });
  const db = path.join(dir, 'store', 'cascade-image.db');
  return {
    dir,
    db,
    spawn: (args, opts) => spawnCli(db, dir, args, opts),
    async run(args, opts = {}) {
      const t0 = performance.now();
      const r = await spawnCli(db, dir, args, opts);
      if (r.timedOut) throw new Error(`cascade-image ${args.join(' ')} timed out:\n${r.all}`);
      return {
        exitCode: r.exitCode ?? -1,
        stdout: r.stdout,
        stderr: r.stderr,
        lines: splitLines(r.stdout),
        errLines: splitLines(r.stderr),
        all: r.all,
        durationMs: performance.now() - t0,
      };
    },
    store: () => new StoreSnapshot(db),
  };
}

/** Human-readable failure message for expect(): the command's whole output. */
export function explain(r: CliResult): string {
  return `exit ${r.exitCode}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** Each stdout line parsed as JSON (NDJSON / envelope output). */
export function jsonLines(r: CliResult): Array<Record<string, unknown>> {
  return r.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

// --- the store, read directly ------------------------------------------------------------------

export interface ProjectRow {
  id: string;
  worker_image: string | null;
  status: 'pending' | 'verified' | 'failed' | null;
  digest: string | null;
  pin_kind: 'registry' | 'local' | null;
  error: string | null;
  allow_local: number;
  generation: number;
  created_at: string;
  updated_at: string;
  validated_at: string | null;
}
export type DefaultRow = Omit<ProjectRow, 'id'> & { slot: 'default' };
export interface AuditRow {
  id: number;
  at: string;
  actor: string;
  project_id: string | null;
  event: string;
  from_ref: string | null;
  to_ref: string | null;
  detail: string | null;
}
export interface RunRow {
  id: number;
  run_id: string;
  project_id: string | null;
  generation: number;
  reference: string;
  finished_at: string | null;
  outcome: 'verified' | 'failed' | 'stale' | null;
  digest: string | null;
  error: string | null;
}
export interface OperatorRow {
  actor: string;
  role: 'superadmin' | 'viewer';
  granted_by: string;
  granted_at: string;
}

/**
 * The store file opened read-only, one short-lived connection per query, so every read sees what
 * the last finished command committed. Throws if the file does not exist (check `exists` first).
 */
export class StoreSnapshot {
  constructor(readonly file: string) {}

  get exists(): boolean {
    return existsSync(this.file);
  }

  query<T>(sql: string, ...params: unknown[]): T[] {
    const db = new Database(this.file, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  }

  project(id: string): ProjectRow | undefined {
    return this.query<ProjectRow>('select * from projects where id = ?', id)[0];
  }

  projects(): ProjectRow[] {
    return this.query<ProjectRow>('select * from projects order by id');
  }

  globalDefault(): DefaultRow | undefined {
    return this.query<DefaultRow>('select * from global_default')[0];
  }

  audit(project?: string): AuditRow[] {
    return project === undefined
      ? this.query<AuditRow>('select * from audit_log order by id')
      : this.query<AuditRow>('select * from audit_log where project_id = ? order by id', project);
  }

  runs(project?: string): RunRow[] {
    return project === undefined
      ? this.query<RunRow>('select * from validation_runs order by id')
      : this.query<RunRow>('select * from validation_runs where project_id = ? order by id', project);
  }

  operators(): OperatorRow[] {
    return this.query<OperatorRow>('select * from operators order by actor');
  }

  /** Every row of the tables that record state and accountability, for before/after comparisons. */
  everything(): Record<string, unknown[]> {
    const out: Record<string, unknown[]> = {};
    for (const table of ['projects', 'global_default', 'audit_log', 'validation_runs', 'operators']) {
      out[table] = this.query(`select * from ${table} order by rowid`);
    }
    return out;
  }
}

// --- the engine --------------------------------------------------------------------------------

const docker = (args: string[]) => execa('docker', args, { stdin: 'ignore', reject: false });

/**
 * IDs of containers (running or not) carrying io.cascade-image.managed=true and every extra label
 * given (e.g. { 'io.cascade-image.run-id': id } to look at one validation run's container).
 */
export async function managedContainers(labels: Record<string, string> = {}): Promise<string[]> {
  const filters = Object.entries({ [MANAGED_LABEL]: 'true', ...labels }).flatMap(([k, v]) => ['--filter', `label=${k}=${v}`]);
  const r = await docker(['ps', '-a', '-q', '--no-trunc', ...filters]);
  if (r.exitCode !== 0) throw new Error(`docker ps failed: ${r.stderr}`);
  return splitLines(r.stdout.trim());
}

/** The containers left behind by the validation runs recorded in a store (there should be none). */
export async function leftoverContainers(store: StoreSnapshot): Promise<string[]> {
  if (!store.exists) return [];
  const left = await Promise.all(store.runs().map((run) => managedContainers({ 'io.cascade-image.run-id': run.run_id })));
  return left.flat();
}

export interface EngineEvent {
  timeNano: number;
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
}

/**
 * Container `create` events carrying every given label (`key=value`) between `since` and now, from
 * the engine's own event log: proof that a command created no container, even one it already
 * removed again.
 */
export async function containerCreateEvents(since: Date, labels: readonly string[]): Promise<EngineEvent[]> {
  const secs = (ms: number) => (ms / 1000).toFixed(3);
  // The engine runs on this host's clock; ask with a margin, then keep only events at or after `since`.
  const r = await docker([
    'events',
    '--since', secs(since.getTime() - 1000),
    '--until', secs(Date.now() + 100),
    '--filter', 'type=container',
    '--filter', 'event=create',
    ...labels.flatMap((label) => ['--filter', `label=${label}`]),
    '--format', '{{json .}}',
  ]);
  if (r.exitCode !== 0) throw new Error(`docker events failed: ${r.stderr}`);
  return splitLines(r.stdout.trim())
    .map((line) => JSON.parse(line) as EngineEvent)
    .filter((event) => event.timeNano / 1e6 >= since.getTime() - 1);
}

/** Container `create` events of our managed containers for one project label since `since`. */
export function containersCreatedSince(since: Date, project: string): Promise<EngineEvent[]> {
  return containerCreateEvents(since, [`${MANAGED_LABEL}=true`, `io.cascade-image.project=${project}`]);
}

/** `docker image inspect --format {{.Id}}` */
export async function imageId(ref: string): Promise<string> {
  const r = await docker(['image', 'inspect', '--format', '{{.Id}}', ref]);
  if (r.exitCode !== 0) throw new Error(`docker image inspect ${ref}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Runs a docker CLI command, throwing with its output on failure. */
export async function dockerOk(args: string[]): Promise<string> {
  const r = await docker(args);
  if (r.exitCode !== 0) throw new Error(`docker ${args.join(' ')} failed (exit ${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}
