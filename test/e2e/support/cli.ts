// Runs the BUILT cascade-image binary the way a user does, against a throwaway store, and reads
// what it left behind: the store (a SQLite file opened read-only, or a PostgreSQL schema read as the
// cluster's admin) and the engine's containers and events.
//
// Which store: CASCADE_E2E_STORE=postgres (the `e2e-postgres` project) gives every sandbox a fresh
// schema `t_<random>` in the run's database (./postgres-setup.ts), and runs the CLI as the database
// role named like the run's actor, its password in PGPASSWORD (the URL in the environment holds
// none); anything else gives a SQLite file in the sandbox's temp dir.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { inject, onTestFinished } from 'vitest';
import { ensureRole, urlFor } from '../../support/postgres.js';
import { INSTALLED_BIN } from './paths.js';

/**
 * The installed package's command (`npm test` builds, packs and installs it first). CASCADE_E2E_BIN
 * points the suite at another build of the same CLI.
 */
export const BIN = process.env.CASCADE_E2E_BIN || INSTALLED_BIN;
export const DEFAULT_ACTOR = 'alice';
export type StoreKind = 'sqlite' | 'postgres';
/** The store every sandbox of this test file uses. */
export const STORE_KIND: StoreKind = process.env.CASCADE_E2E_STORE === 'postgres' ? 'postgres' : 'sqlite';
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
  /**
   * Who runs the command (default 'alice'). --actor is not passed: on SQLite CASCADE_ACTOR is set to
   * this; on PostgreSQL the CLI logs in as the database role of this name (created when missing).
   */
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
  CASCADE_E2E_STORE: undefined,
  FORCE_COLOR: undefined,
  // libpq's variables, which node-postgres reads too.
  PGHOST: undefined,
  PGHOSTADDR: undefined,
  PGPORT: undefined,
  PGUSER: undefined,
  PGPASSWORD: undefined,
  PGPASSFILE: undefined,
  PGDATABASE: undefined,
  PGOPTIONS: undefined,
  PGSERVICE: undefined,
  PGSERVICEFILE: undefined,
  PGSSLMODE: undefined,
  PGSSLROOTCERT: undefined,
  PGAPPNAME: undefined,
  PGCONNECT_TIMEOUT: undefined,
};

function splitLines(text: string): string[] {
  return text === '' ? [] : text.split('\n');
}

/** One CLI sandbox: a temp dir (the working directory) and a store of its own, removed when the test finishes. */
export interface Cli {
  readonly kind: StoreKind;
  readonly dir: string;
  /**
   * What CASCADE_IMAGE_DB is set to: on SQLite the store file (it does not exist until a command
   * creates it); on PostgreSQL the URL as the default actor, without a password.
   */
  readonly db: string;
  /** PostgreSQL only: the sandbox's schema (`t_<random>`); '' on SQLite. */
  readonly schema: string;
  /** The CASCADE_IMAGE_DB value for `actor` (on SQLite the same file for everyone). */
  urlAs(actor: string): string;
  /** Runs `cascade-image ...args` and waits for it; never throws on a non-zero exit. */
  run(args: readonly string[], opts?: RunOptions): Promise<CliResult>;
  /** Starts `cascade-image ...args` and hands back the live execa process (for streaming tests). */
  spawn(args: readonly string[], opts?: RunOptions): CliProcess;
  /** A read-only view of the store as it is now. */
  store(): StoreSnapshot;
}

interface Target {
  /** CASCADE_IMAGE_DB for an actor. */
  db(actor: string): string;
  /** The environment that says who runs the command. */
  env(actor: string): Record<string, string | undefined>;
}

function spawnCli(target: Target, dir: string, args: readonly string[], opts: RunOptions = {}) {
  const actor = opts.actor ?? DEFAULT_ACTOR;
  return execa(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: {
      ...SCRUBBED,
      CASCADE_IMAGE_DB: target.db(actor),
      ...target.env(actor),
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

/** A sandbox for one test: a fresh temp dir and a fresh store, both removed when the test finishes. */
export async function tempCli(): Promise<Cli> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cascade-cli-'));
  onTestFinished(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });
  let target: Target;
  let db: string;
  let schema = '';
  let snapshot: () => StoreSnapshot;
  let prepare: (actor: string) => Promise<void> = async () => {};
  if (STORE_KIND === 'postgres') {
    const database = e2eDatabase();
    schema = `t_${randomBytes(6).toString('hex')}`;
    const pgSchema = schema;
    target = {
      db: (actor) => urlFor(database, { role: actor, schema: pgSchema }),
      env: () => ({ PGPASSWORD: ROLE_PASSWORD }),
    };
    db = target.db(DEFAULT_ACTOR);
    prepare = loginRole;
    // Ready before the first command: a spawned one (not awaited) runs as the default actor at once.
    await loginRole(DEFAULT_ACTOR);
    snapshot = () => new PostgresSnapshot(database, pgSchema);
    onTestFinished(() => {
      // The run's database goes at the end of the run; the schemas go as they are done with.
      new PostgresSnapshot(database, pgSchema).drop();
    });
  } else {
    const file = path.join(dir, 'store', 'cascade-image.db');
    target = { db: () => file, env: (actor) => ({ CASCADE_ACTOR: actor }) };
    db = file;
    snapshot = () => new SqliteSnapshot(file);
  }
  return {
    kind: STORE_KIND,
    dir,
    db,
    schema,
    urlAs: (actor) => target.db(actor),
    // On PostgreSQL a spawned command runs as a role that exists already: the default actor, or one an
    // earlier run() (or prepareActors) made.
    spawn: (args, opts) => spawnCli(target, dir, args, opts),
    async run(args, opts = {}) {
      await prepare(opts.actor ?? DEFAULT_ACTOR);
      const t0 = performance.now();
      const r = await spawnCli(target, dir, args, opts);
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
    store: snapshot,
  };
}

// --- PostgreSQL: the run's database and its login roles --------------------------------------------

/** The password of every login role this file's sandboxes create (set again once per file and role). */
const ROLE_PASSWORD = `e2e-${randomBytes(12).toString('hex')}`;
const roles = new Map<string, Promise<void>>();

/** The run's database (./postgres-setup.ts), or a clear error when this project has none. */
function e2eDatabase(): string {
  const database = inject('e2ePostgres')?.database;
  if (database === undefined || database === '') {
    throw new Error('CASCADE_E2E_STORE=postgres, but no database was set up: run the e2e-postgres project (its globalSetup test/e2e/support/postgres-setup.ts), with the cluster up (bash .ci/postgres.sh)');
  }
  return database;
}

/**
 * Makes `actor` a login role with this file's password, once per file. Roles are the cluster's,
 * shared by every database: the password is set again here, so a role another file left behind
 * logs in with ours.
 */
function loginRole(actor: string): Promise<void> {
  let ready = roles.get(actor);
  if (ready === undefined) {
    ready = ensureRole(actor, ROLE_PASSWORD);
    roles.set(actor, ready);
    ready.catch(() => roles.delete(actor));
  }
  return ready;
}

/** Makes the login roles ready before a spawned (not awaited) command runs as one of them. */
export async function prepareActors(cli: Cli, ...actors: string[]): Promise<void> {
  if (cli.kind === 'postgres') await Promise.all(actors.map(loginRole));
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

/** The tables that record state and accountability, with their primary keys as PostgreSQL orders them (everything()). */
const RECORD_TABLES: ReadonlyArray<readonly [string, string]> = [
  ['projects', 'id collate "C"'],
  ['global_default', 'slot collate "C"'],
  ['audit_log', 'id'],
  ['validation_runs', 'id'],
  ['operators', 'actor collate "C"'],
];

/**
 * The store as it is now, read directly (never through the CLI): synchronous, one short-lived
 * connection per query, so every read sees what the last finished command committed. Queries are
 * written once for both stores: `?` placeholders, plain SQL both engines read alike. Reads throw if
 * the store does not exist (check `exists` first).
 */
export abstract class StoreSnapshot {
  abstract readonly kind: StoreKind;
  /** Whether the store exists: the SQLite file, or the PostgreSQL schema. */
  abstract get exists(): boolean;
  abstract query<T>(sql: string, ...params: unknown[]): T[];
  /**
   * Changes rows behind the CLI's back, to stage a fault or an old state (tests only). On
   * PostgreSQL it runs as the cluster's admin with triggers off (session_replication_role = replica),
   * so the store's permission and append-only triggers do not stand in the way.
   */
  abstract tamper(sql: string, ...params: unknown[]): void;

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
  abstract everything(): Record<string, unknown[]>;
}

/** The store file opened read-only (read-write only for tamper()). */
export class SqliteSnapshot extends StoreSnapshot {
  readonly kind = 'sqlite';

  constructor(readonly file: string) {
    super();
  }

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

  tamper(sql: string, ...params: unknown[]): void {
    const db = new Database(this.file, { fileMustExist: true });
    try {
      db.prepare(sql).run(...params);
    } finally {
      db.close();
    }
  }

  everything(): Record<string, unknown[]> {
    const out: Record<string, unknown[]> = {};
    for (const [table] of RECORD_TABLES) out[table] = this.query(`select * from ${table} order by rowid`);
    return out;
  }
}

/** A PostgreSQL literal: strings quoted (standard_conforming_strings, on since 9.1), numbers as they are. */
export function pgLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value !== 'string') throw new Error(`no PostgreSQL literal for ${typeof value}`);
  if (value.includes('\u0000')) throw new Error('PostgreSQL text cannot hold NUL');
  return `'${value.replaceAll("'", "''")}'`;
}

/** `sql` with each `?` outside quotes and identifiers replaced by the next parameter's literal. */
export function bindParams(sql: string, params: readonly unknown[]): string {
  let out = '';
  let next = 0;
  let quote: string | undefined;
  for (const ch of sql) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      if (next >= params.length) throw new Error(`more placeholders than parameters in: ${sql}`);
      out += pgLiteral(params[next++]);
    } else {
      out += ch;
    }
  }
  if (next !== params.length) throw new Error(`${params.length} parameters for ${next} placeholders in: ${sql}`);
  return out;
}

/**
 * A PostgreSQL schema read as the cluster's admin through psql (synchronous, like SQLite's reads):
 * each query one `psql -c`, its rows as one JSON array (json_agg), so numbers stay numbers and
 * text stays text, as better-sqlite3 returns them.
 */
export class PostgresSnapshot extends StoreSnapshot {
  readonly kind = 'postgres';

  constructor(
    readonly database: string,
    readonly schema: string,
  ) {
    super();
  }

  get exists(): boolean {
    return this.psql(`select exists (select 1 from pg_namespace where nspname = ${pgLiteral(this.schema)})`) === 't';
  }

  query<T>(sql: string, ...params: unknown[]): T[] {
    const out = this.psql(`select coalesce(json_agg(t), '[]'::json) from (${bindParams(sql, params)}) t`);
    return JSON.parse(out) as T[];
  }

  tamper(sql: string, ...params: unknown[]): void {
    this.psql(`begin; set local session_replication_role = replica; ${bindParams(sql, params)}; commit;`);
  }

  everything(): Record<string, unknown[]> {
    const out: Record<string, unknown[]> = {};
    for (const [table, key] of RECORD_TABLES) out[table] = this.query(`select * from ${table} order by ${key}`);
    return out;
  }

  /** Drops the schema and everything in it (a sandbox's end; the database goes at the end of the run). */
  drop(): void {
    try {
      this.psql(`set lock_timeout = '10s'; drop schema if exists "${this.schema}" cascade`);
    } catch {
      // Best effort: a schema still locked by a process the test left behind goes with the database.
    }
  }

  /** Runs SQL as the admin in the schema; stdout trimmed. Throws with psql's message on an error. */
  private psql(sql: string): string {
    const admin = new URL(urlFor(this.database));
    const password = decodeURIComponent(admin.password);
    admin.password = '';
    try {
      return execFileSync('psql', [admin.toString(), '-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
        // The admin password in the environment, not on psql's command line.
        env: { ...process.env, PGPASSWORD: password, PGOPTIONS: `-c search_path=${this.schema}`, PGCONNECT_TIMEOUT: '10' },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 30_000,
        maxBuffer: 256 * 1024 * 1024,
      }).trim();
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? '';
      throw new Error(`psql failed on ${this.database} (schema ${this.schema}): ${stderr.trim() || String(error)}\n${sql}`);
    }
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
