// Faults of the PostgreSQL store, staged for real against the test cluster (.ci/postgres.sh) with
// the BUILT binary and the real engine: a server that is not there or never answers, a wrong or
// missing password, a missing database, a schema from a newer cascade-image, connections lost
// while a validation runs, a store held locked by another session, and what must never be shown or
// stored: the password. PostgreSQL only (the e2e-postgres project).
//
// The cluster is shared with other suites: everything here lives in this run's database (a schema
// per sandbox) or in databases of its own, and the roles it blocks or gives passwords of its own
// are its own (cascade_e2e_*).
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { adminQuery, createTestDatabase, ensureRole, urlFor } from '../support/postgres.js';
import { explain, prepareActors, STORE_KIND, tempCli, type Cli, type CliProcess, type CliResult } from './support/cli.js';
import { buildImage, cleanUpRunsOf, ImageJanitor, nonce, runningContainersOfRun, sleep, slowDockerfile, waitFor, waitForSmokeContainer } from './support/faults.js';
import { pushImage } from './support/registry.js';

const e2e = inject('e2e');
const { database } = inject('e2ePostgres');
const pinnedGood = () => `${e2e.registry}/acme/worker@${e2e.digests.good}`;
/** The write lock's advisory lock class (src/store/postgres/postgres-store.ts): 'CIMG'. */
const WRITE_LOCK_CLASS = 0x43494d47;
/** How long the slow image's `cascade-tools --version` sleeps: long enough to act while it runs. */
const SLOW_SECONDS = 6;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

if (STORE_KIND !== 'postgres') throw new Error('postgres-faults.test.ts is about the PostgreSQL store: run it in the e2e-postgres project');

/** The process's result once it ended (execa resolves, never rejects: reject is false). */
async function finished(proc: CliProcess) {
  const r = await proc;
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), all: String(r.all) };
}

/** A loopback port nothing listens on (bound, then released). */
async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `postgres://role[:password]@host:port/database?schema=…` on the test cluster, or on another port. */
function storeUrl(options: { role: string; password?: string; database?: string; schema: string; port?: number }): string {
  const url = new URL(urlFor(options.database ?? database, { role: options.role, ...(options.password === undefined ? {} : { password: options.password }), schema: options.schema }));
  if (options.port !== undefined) url.port = String(options.port);
  return url.toString();
}

/** The cluster's host and port as the CLI names them (`127.0.0.1:55432`). */
function clusterHost(): string {
  const url = new URL(urlFor(database));
  return `${url.hostname}:${url.port || '5432'}`;
}

/** Every row of every table in the sandbox's schema, as one text: what "stored" covers. */
function dumpSchema(cli: Cli): string {
  const store = cli.store();
  const tables = store.query<{ table_name: string }>("select table_name from information_schema.tables where table_schema = ? order by table_name", cli.schema);
  expect(tables.length).toBeGreaterThan(5);
  return tables.map(({ table_name }) => `${table_name}: ${JSON.stringify(store.query(`select * from "${table_name}"`))}`).join('\n');
}

/** Backends of `role` on the run's database that the CLI opened (its pool and its lock session), ended by the server. */
async function terminateCliBackends(role: string): Promise<number> {
  const rows = await adminQuery<{ pid: number }>(
    "select pg_terminate_backend(pid) as ok, pid from pg_stat_activity where datname = $1 and usename = $2 and application_name like 'cascade-image%'",
    [database, role],
  );
  return rows.length;
}

describe.skipIf(!e2e.engine)('faults of the PostgreSQL store (real server, real engine)', () => {
  const janitor = new ImageJanitor();
  /** A worker image that passes every check, but only after SLOW_SECONDS, pushed to the shared registry. */
  let slowRef = '';
  let slowPin = '';

  beforeAll(async () => {
    const local = `cascade-pgfaults-${nonce()}/slow:latest`;
    await buildImage(janitor, local, slowDockerfile(SLOW_SECONDS), { BASE: e2e.local.good });
    slowRef = janitor.track(`${e2e.registry}/acme/pg-slow-${nonce()}:1`);
    const digest = await pushImage(local, slowRef);
    slowPin = janitor.track(`${slowRef.slice(0, slowRef.lastIndexOf(':'))}@${digest}`);
  });
  afterAll(async () => {
    await janitor.removeAll();
  });

  it('the server is not there (nothing listens on the port), or accepts and never answers: exit 69 in bounded time, naming host and database, never the password', async () => {
    const cli = await tempCli();
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const port = await unusedPort();
    const commands = [['set', 'acme', e2e.images.good, '--create'], ['show', 'acme'], ['list'], ['history'], ['validate', 'acme'], ['resolve', 'acme'], ['operators', 'list']];
    for (const [how, env] of [
      ['the password in the URL', { CASCADE_IMAGE_DB: storeUrl({ role: 'alice', password, schema: cli.schema, port }), PGPASSWORD: undefined }],
      ['the password in PGPASSWORD', { CASCADE_IMAGE_DB: storeUrl({ role: 'alice', schema: cli.schema, port }), PGPASSWORD: password }],
    ] as const) {
      for (const args of commands) {
        const r = await cli.run(args, { env });
        const why = `${how}: cascade-image ${args.join(' ')}\n${explain(r)}`;
        expect(r.exitCode, why).toBe(69);
        expect(r.stdout, why).toBe('');
        expect(r.stderr, why).toMatch(new RegExp(`^cascade-image: the PostgreSQL server at 127\\.0\\.0\\.1:${port} \\(database ${escape(database)}\\) cannot be reached: connection refused`, 'm'));
        expect(r.stderr, why).toMatch(/^ {2}hint: /m);
        expect(r.all, why).not.toContain(password);
        expect(r.all, why).not.toMatch(/this is a bug|^\s+at /m);
        expect(r.durationMs, why).toBeLessThan(10_000);
      }
      const json = await cli.run(['show', 'acme', '--json'], { env });
      expect(json.exitCode, explain(json)).toBe(69);
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'STORE_UNAVAILABLE', exitCode: 69, message: expect.stringContaining(`127.0.0.1:${port} (database ${database})`) } });
      expect(json.all).not.toContain(password);
    }

    // A server that accepts the connection and never says a word: the connect timeout, not a hang.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.resume(); // read (and drop) what the client sends, so its close is seen
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    onTestFinished(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const silentPort = (silent.address() as net.AddressInfo).port;
    const silentArgs = [['set', 'acme', e2e.images.good, '--create', '--no-validate'], ['show', 'acme']];
    const silentRuns = await Promise.all(silentArgs.map((args) => cli.run(args, { env: { CASCADE_IMAGE_DB: storeUrl({ role: 'alice', password, schema: cli.schema, port: silentPort }) } })));
    for (const [i, r] of silentRuns.entries()) {
      const why = `cascade-image ${silentArgs[i]?.join(' ')}\n${explain(r)}`;
      expect(r.exitCode, why).toBe(69);
      expect(r.stderr, why).toMatch(new RegExp(`the PostgreSQL server at 127\\.0\\.0\\.1:${silentPort} \\(database ${escape(database)}\\) cannot be reached: no answer in time`));
      expect(r.all, why).not.toContain(password);
      expect(r.durationMs, why).toBeLessThan(30_000);
    }
    // Nothing was created on the real server either.
    expect(cli.store().exists).toBe(false);
  });

  it('a wrong password, or none at all: exit 69, the role named, and a `fix:` line saying where the password goes', async () => {
    const cli = await tempCli();
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    const home = await fsp.mkdtemp(path.join(os.tmpdir(), 'cascade-pg-home-'));
    onTestFinished(() => fsp.rm(home, { recursive: true, force: true }));
    const cases: ReadonlyArray<readonly [string, Record<string, string | undefined>, RegExp]> = [
      ['wrong in the URL', { CASCADE_IMAGE_DB: storeUrl({ role: 'alice', password: wrong, schema: cli.schema }), PGPASSWORD: undefined }, /refused role alice: password authentication failed/],
      ['wrong in PGPASSWORD', { PGPASSWORD: wrong }, /refused role alice: password authentication failed/],
      // No password anywhere (an empty HOME: no ~/.pgpass either).
      ['none given', { PGPASSWORD: undefined, HOME: home }, /asks role alice for a password, and none was given/],
    ];
    for (const [what, env, says] of cases) {
      for (const args of [['set', 'acme', e2e.images.good, '--create'], ['list'], ['show', 'acme', '--json']]) {
        const r = await cli.run(args, { env });
        const why = `${what}: cascade-image ${args.join(' ')}\n${explain(r)}`;
        expect(r.exitCode, why).toBe(69);
        expect(r.stderr, why).toMatch(new RegExp(`^cascade-image: the PostgreSQL server at ${escape(clusterHost())} \\(database ${escape(database)}\\) ${says.source}$`, 'm'));
        expect(r.stderr, why).toMatch(/^ {2}fix: give the role's password in PGPASSWORD, ~\/\.pgpass or the URL/m);
        expect(r.all, why).not.toContain(wrong);
        // Said at once: a failed connection is closed, never left open until the server's authentication timeout.
        expect(r.durationMs, why).toBeLessThan(10_000);
      }
    }
    expect(cli.store().exists).toBe(false);
  });

  it('a database that does not exist: exit 69 and a `fix:` line with the createdb command for that server', async () => {
    const cli = await tempCli();
    const missing = `ci_test_missing_${randomBytes(4).toString('hex')}`;
    const url = new URL(urlFor(database));
    for (const args of [['set', 'acme', e2e.images.good, '--create'], ['show', 'acme'], ['history']]) {
      const r = await cli.run(args, { env: { CASCADE_IMAGE_DB: storeUrl({ role: 'alice', database: missing, schema: cli.schema }) } });
      const why = `cascade-image ${args.join(' ')}\n${explain(r)}`;
      expect(r.exitCode, why).toBe(69);
      expect(r.stderr, why).toMatch(new RegExp(`^cascade-image: the PostgreSQL server at ${escape(clusterHost())} \\(database ${missing}\\): the database ${missing} does not exist$`, 'm'));
      // The command works as given: this server's host and (non-default) port.
      const port = url.port === '' || url.port === '5432' ? '' : ` -p ${url.port}`;
      expect(r.stderr, why).toMatch(new RegExp(`^ {2}fix: create it \\(createdb -h ${escape(url.hostname)}${port} ${missing}\\)`, 'm'));
    }
    expect(await adminQuery('select 1 from pg_database where datname = $1', [missing])).toEqual([]);
  });

  it('a schema written by a newer cascade-image: every command refuses it (exit 69) and nothing changes', async () => {
    const cli = await tempCli();
    expect((await cli.run(['set', 'acme', e2e.images.good, '--create'])).exitCode).toBe(0);
    cli.store().tamper('insert into cascade_schema_migrations (name, applied_at) values (?, ?)', '9999_future', new Date().toISOString());
    const before = dumpSchema(cli);

    for (const args of [['set', 'acme', e2e.images['no-git']], ['set', 'beta', e2e.images.good, '--create'], ['show', 'acme'], ['list'], ['validate', 'acme'], ['validate', '--all'], ['history'], ['operators', 'grant', 'bob', '--role', 'viewer']]) {
      const r = await cli.run(args);
      const why = `cascade-image ${args.join(' ')}\n${explain(r)}`;
      expect(r.exitCode, why).toBe(69);
      expect(r.stdout, why).toBe('');
      expect(r.stderr, why).toMatch(new RegExp(`^cascade-image: the store postgres://alice@${escape(clusterHost())}/${escape(database)} \\(schema ${cli.schema}\\) has schema 9999_future, newer than this cascade-image understands$`, 'm'));
      expect(r.stderr, why).toMatch(/^ {2}fix: upgrade cascade-image on this host/m);
    }
    expect(dumpSchema(cli)).toBe(before);
  });

  it('the connection is lost while a validation runs: the verdict write is retried and lands; when the server stays away too long the run stays pending and `validate --stale` recovers it', async () => {
    // A role of this test's own: it is the one kept from connecting (CONNECTION LIMIT 0), nobody else.
    const role = 'cascade_e2e_flaky';
    const setLimit = (limit: number) => adminQuery(`alter role ${role} connection limit ${limit}`);
    onTestFinished(async () => {
      await setLimit(-1);
    });

    // 1. Every connection of the CLI ended mid-smoke-test, and no new one admitted for a while after the container ends.
    {
      const cli = await tempCli();
      cleanUpRunsOf(() => cli.store());
      await prepareActors(cli, role);
      await setLimit(-1);
      const proc = cli.spawn(['set', 'acme', slowRef, '--create'], { actor: role });
      const { run } = await waitForSmokeContainer(cli.store(), 'acme');
      await setLimit(0);
      expect(await terminateCliBackends(role)).toBeGreaterThan(0);
      await waitFor('the smoke-test container to end', async () => ((await runningContainersOfRun(run.run_id)).length === 0 ? true : undefined), 60_000);
      // The verdict's writes (the remembered smoke result, then the run's verdict) find no connection now.
      await sleep(3_000);
      expect(proc.exitCode, 'still retrying while the role may not connect').toBeNull();
      await setLimit(-1);
      const r = await finished(proc);
      expect(r.exitCode, r.all).toBe(0);
      expect(r.stdout.split('\n')).toEqual([`acme  pending  ${slowRef}`, `acme  verified → ${slowPin}`]);
      expect(cli.store().project('acme')).toMatchObject({ status: 'verified', digest: slowPin });
      expect(cli.store().runs('acme')).toEqual([expect.objectContaining({ run_id: run.run_id, outcome: 'verified', finished_at: expect.any(String) })]);
      expect(cli.store().audit('acme').map((a) => [a.actor, a.event])).toEqual([
        [role, 'project_worker_image_changed'],
        [role, 'validation_verified'],
      ]);
      expect((await cli.run(['resolve', 'acme'], { actor: role })).stdout).toBe(slowPin);
    }

    // 2. The server stays away longer than the retry window: never a lost or invented result.
    {
      const cli = await tempCli();
      cleanUpRunsOf(() => cli.store());
      await setLimit(-1);
      const first = await cli.run(['set', 'acme', slowRef, '--create', '--no-validate'], { actor: role });
      expect(first.exitCode, explain(first)).toBe(0);
      const before = cli.store().project('acme');
      const proc = cli.spawn(['validate', 'acme'], { actor: role });
      const exited = proc.then(() => undefined);
      const { run } = await waitForSmokeContainer(cli.store(), 'acme');
      await setLimit(0);
      await terminateCliBackends(role);
      const ended = await Promise.race([exited.then(() => true), sleep(90_000).then(() => false)]);
      await setLimit(-1);
      expect(ended, 'the CLI gave up in bounded time').toBe(true);
      const r = await finished(proc);
      expect(r.exitCode, r.all).toBe(69);
      expect(r.stderr, r.all).toMatch(new RegExp(`the PostgreSQL server at ${escape(clusterHost())} \\(database ${escape(database)}\\) refused a connection for role ${role}: too many connections`));
      expect(r.stderr, r.all).toMatch(/\(retried for \d+s\)$/m);
      expect(r.stderr, r.all).toMatch(/^ {2}hint: the validation result was not stored and its run stays pending: .*validate --stale/m);
      expect(r.stdout, r.all).not.toMatch(/verified|failed/);
      // Nothing was stored as the verdict: the slot is as before (pending), its run unfinished.
      expect(cli.store().project('acme')).toEqual(before);
      expect(cli.store().runs('acme')).toEqual([expect.objectContaining({ run_id: run.run_id, finished_at: null, outcome: null })]);
      const show = await cli.run(['show', 'acme'], { actor: role });
      expect(show.lines[0], explain(show)).toBe(`acme  pending  ${slowRef}`);
      expect(show.stdout, explain(show)).toMatch(/abandoned.*validate --stale/);

      const stale = await cli.run(['validate', '--stale'], { actor: role });
      expect(stale.exitCode, explain(stale)).toBe(0);
      expect(stale.lines.find((line) => line.startsWith('acme  ')), explain(stale)).toMatch(new RegExp(`^acme {2}verified → ${escape(slowPin)}`));
      expect(cli.store().project('acme')).toMatchObject({ status: 'verified', digest: slowPin });
      // A run of its own took over (the abandoned one stays in the history as it was left).
      expect(cli.store().runs('acme').at(-1)).toMatchObject({ outcome: 'verified', digest: slowPin, finished_at: expect.any(String) });
      expect(cli.store().runs('acme').at(-1)?.run_id).not.toBe(run.run_id);
      const json = await cli.run(['show', 'acme', '--json'], { actor: role });
      expect((JSON.parse(json.stdout) as { data: { abandoned: unknown } }).data.abandoned).toBeNull();
    }
  });

  it('another session holds the write lock, or a long transaction holds our tables: the command fails with exit 69 in bounded time, never hangs, and changes nothing', async () => {
    const cli = await tempCli();
    expect((await cli.run(['set', 'acme', e2e.images.good, '--create', '--no-validate'])).exitCode).toBe(0);
    const before = cli.store().everything();
    const holder = new pg.Client({ connectionString: urlFor(database), application_name: 'cascade-e2e lock holder' });
    await holder.connect();
    onTestFinished(() => holder.end().catch(() => undefined));
    const LOCKED = new RegExp(`^cascade-image: the PostgreSQL store postgres://alice@${escape(clusterHost())}/${escape(database)} \\(schema ${cli.schema}\\) stayed locked by another session`, 'm');

    const attempt = async (what: string, args: string[]): Promise<CliResult> => {
      const r = await cli.run(args);
      const why = `${what}: cascade-image ${args.join(' ')}\n${explain(r)}`;
      expect(r.exitCode, why).toBe(69);
      expect(r.stderr, why).toMatch(LOCKED);
      expect(r.stderr, why).toMatch(/^ {2}hint: .*pg_stat_activity/m);
      // lock_timeout is 15 s: well past it would be a hang.
      expect(r.durationMs, why).toBeGreaterThan(14_000);
      expect(r.durationMs, why).toBeLessThan(40_000);
      return r;
    };
    /** Nothing changed (read once the holder let go: the admin's reads would wait on its lock too). */
    const unchanged = () => expect(cli.store().everything()).toEqual(before);

    // The store's write lock, held by a session that is not a cascade-image at all.
    await holder.query('select pg_advisory_lock($1, hashtext($2))', [WRITE_LOCK_CLASS, cli.schema]);
    const [write, readWhileLocked] = await Promise.all([attempt('the write lock held', ['set', 'acme', e2e.images['no-git'], '--no-validate']), cli.run(['show', 'acme'])]);
    // Reads do not take the write lock: they go on.
    expect(readWhileLocked.exitCode, explain(readWhileLocked)).toBe(0);
    expect(write.stdout).toBe('');
    await holder.query('select pg_advisory_unlock($1, hashtext($2))', [WRITE_LOCK_CLASS, cli.schema]);
    unchanged();

    // A long transaction holding the projects table: reads and writes both give up.
    await holder.query('begin');
    await holder.query(`lock table "${cli.schema}".projects in access exclusive mode`);
    await Promise.all([attempt('the projects table locked', ['show', 'acme']), attempt('the projects table locked', ['set', 'acme', e2e.images['no-git'], '--no-validate'])]);
    await holder.query('rollback');
    unchanged();

    // A row held by a transaction that never ends (select … for update): the write waits, then gives up.
    await holder.query('begin');
    await holder.query(`select * from "${cli.schema}".projects where id = 'acme' for update`);
    await attempt('the project row held', ['set', 'acme', e2e.images['no-git'], '--no-validate']);
    await holder.query('rollback');
    unchanged();

    // Once it is let go, the same command goes through at once.
    const free = await cli.run(['set', 'acme', e2e.images['no-git'], '--no-validate']);
    expect(free.exitCode, explain(free)).toBe(0);
    expect(free.durationMs).toBeLessThan(10_000);
  });

  it('the password is never shown or stored: in the URL, in PGPASSWORD or in ~/.pgpass, through a whole session and its failures', async () => {
    const role = 'cascade_e2e_secret';
    const secret = `Sec-${randomBytes(12).toString('hex')}`;
    await ensureRole(role, secret);
    const other = await createTestDatabase('e2e_secret');
    onTestFinished(() => other.drop());
    const home = await fsp.mkdtemp(path.join(os.tmpdir(), 'cascade-pg-home-'));
    onTestFinished(() => fsp.rm(home, { recursive: true, force: true }));
    const url = new URL(urlFor(database));
    await fsp.writeFile(path.join(home, '.pgpass'), `${url.hostname}:${url.port || '5432'}:*:${role}:${secret}\n`, { mode: 0o600 });
    const unused = await unusedPort();

    const outputs: Record<string, string> = {};
    const clis: Cli[] = [];
    const sources = [
      ['URL', (schema: string) => ({ CASCADE_IMAGE_DB: storeUrl({ role, password: secret, schema }), PGPASSWORD: undefined })],
      ['PGPASSWORD', (schema: string) => ({ CASCADE_IMAGE_DB: storeUrl({ role, schema }), PGPASSWORD: secret })],
      ['~/.pgpass', (schema: string) => ({ CASCADE_IMAGE_DB: storeUrl({ role, schema }), PGPASSWORD: undefined, HOME: home })],
    ] as const;
    for (const [source, envFor] of sources) {
      const cli = await tempCli();
      clis.push(cli);
      cleanUpRunsOf(() => cli.store());
      const env = { ...envFor(cli.schema), CASCADE_IMAGE_DEBUG: '1' };
      const session: ReadonlyArray<readonly [string[], number]> = [
        [['set', 'acme', e2e.images.good, '--create'], 0],
        [['set', 'beta', e2e.images['no-git'], '--create', '--json'], 1],
        [['show', 'acme'], 0],
        [['show', 'acme', '--json'], 0],
        [['list'], 0],
        [['list', '--json'], 0],
        [['history'], 0],
        [['history', '--json'], 0],
        [['resolve', 'acme'], 0],
        [['resolve', 'beta', '--json'], 1],
        [['validate', '--all', '--json'], 1],
        [['defaults'], 0],
        [['operators', 'list', '--json'], 0],
        [['doctor'], 0],
        [['doctor', '--json'], 0],
        // Failing on purpose: a bad reference, an unknown project, a grant to a role that does not exist.
        [['set', 'acme', 'Bad Ref!'], 2],
        [['set', 'nosuch', e2e.images.good], 2],
        [['operators', 'grant', 'cascade_e2e_nosuch_role', '--role', 'viewer'], 2],
      ];
      for (const [args, code] of session) {
        const r = await cli.run(args, { env });
        expect(r.exitCode, `${source}: cascade-image ${args.join(' ')}\n${explain(r)}`).toBe(code);
        outputs[`${source}: ${args.join(' ')}`] = r.all;
      }
      expect(cli.store().project('acme'), source).toMatchObject({ status: 'verified', digest: pinnedGood() });
      expect(cli.store().operators().map((o) => o.actor), source).toEqual([role]);

      // Failures of the connection itself, with the same password source.
      const failing: ReadonlyArray<readonly [string, Record<string, string | undefined>, string[]]> = [
        ['another database, where the schema does not exist yet', { CASCADE_IMAGE_DB: new URL(env.CASCADE_IMAGE_DB.replace(`/${database}?`, `/${other.name}?`)).toString() }, ['show', 'acme']],
        ['a database that does not exist', { CASCADE_IMAGE_DB: env.CASCADE_IMAGE_DB.replace(`/${database}?`, '/ci_test_no_such_db?') }, ['set', 'acme', e2e.images.good]],
        ['a port nothing listens on', { CASCADE_IMAGE_DB: env.CASCADE_IMAGE_DB.replace(`:${url.port}/`, `:${unused}/`) }, ['set', 'acme', e2e.images.good]],
        ['a URL that cannot be read', { CASCADE_IMAGE_DB: env.CASCADE_IMAGE_DB.replace(`:${url.port}/`, ':notaport/') }, ['list']],
        ['a schema name that is not plain', { CASCADE_IMAGE_DB: env.CASCADE_IMAGE_DB.replace(`schema=${cli.schema}`, 'schema=Bad-Name') }, ['list']],
      ];
      for (const [what, extra, args] of failing) {
        for (const json of [false, true]) {
          const r = await cli.run(json ? [...args, '--json'] : args, { env: { ...env, ...extra } });
          expect(r.exitCode, `${source}, ${what}\n${explain(r)}`).not.toBe(0);
          outputs[`${source}, ${what}${json ? ' --json' : ''}`] = r.all;
        }
      }
      // The URL with the password given as --db, not in the environment.
      const flag = await cli.run(['--db', storeUrl({ role, password: secret, schema: cli.schema }), 'show', 'acme', '--json'], { env });
      expect(flag.exitCode, explain(flag)).toBe(0);
      outputs[`${source}: --db`] = flag.all;
    }

    // The wrong password as a secret of its own: refused, and never echoed either.
    const wrong = `Wrong-${randomBytes(12).toString('hex')}`;
    const refused = await clis[0]!.run(['list'], { env: { CASCADE_IMAGE_DB: storeUrl({ role, password: wrong, schema: clis[0]!.schema }), CASCADE_IMAGE_DEBUG: '1' } });
    expect(refused.exitCode, explain(refused)).toBe(69);
    outputs['a wrong password'] = refused.all;

    const found: string[] = [];
    for (const [label, text] of Object.entries(outputs)) {
      for (const form of [secret, encodeURIComponent(secret), wrong]) if (text.includes(form)) found.push(`${label}: ${text}`);
    }
    for (const cli of clis) {
      const dump = dumpSchema(cli);
      expect(dump).toContain('project_worker_image_changed'); // the audit log is in it
      if (dump.includes(secret) || dump.includes(wrong)) found.push(`the stored rows of ${cli.schema}`);
    }
    expect(found).toEqual([]);
  });

  it('--actor and CASCADE_ACTOR are not the actor on PostgreSQL: the authenticated role is, and a forged name only shows escaped', async () => {
    const cli = await tempCli();
    for (const [args, env] of [
      [['--actor', 'ev\nil', 'set', 'acme', e2e.images.good, '--create', '--no-validate'], {}],
      [['set', 'acme', e2e.images['no-git'], '--no-validate'], { CASCADE_ACTOR: 'mallory\u001b]0;x\u0007' }],
    ] as const) {
      const r = await cli.run(args, { env });
      expect(r.exitCode, explain(r)).toBe(0);
      expect(r.stderr, explain(r)).toMatch(/^note: on PostgreSQL the actor is the database role alice, as the server authenticated it; (--actor|CASCADE_ACTOR) .* is not used$/m);
      expect(r.all, explain(r)).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    }
    expect(cli.store().audit().map((a) => a.actor)).toEqual(['alice', 'alice', 'alice']);
    expect(cli.store().operators().map((o) => o.actor)).toEqual(['alice']);
  });
});
