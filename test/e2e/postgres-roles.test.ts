// The permission rule on a PostgreSQL store, end to end: the BUILT binary and psql against a real
// server, the real engine and registry for the validations. On a server the actor is the role it
// authenticated, and the rule is enforced by the server's triggers (migration 0005): so every
// refusal here is proven twice, through the CLI and through raw SQL that skips the CLI entirely,
// and each SQL refusal must carry the SQLSTATE of our own trigger, with nothing changed after it.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminUrl, adminQuery, createTestDatabase, ensureRole, postgresAvailable } from '../support/postgres.js';
import { BIN } from './support/cli.js';
import { pushImage } from './support/registry.js';

const e2e = inject('e2e');
const RUN = randomBytes(3).toString('hex');
/** Our own schema, not the default one: the URL's `schema=` parameter is honoured everywhere. */
const SCHEMA = 'fleet';
// Roles are cluster-wide: names of this run's own, so suites sharing the cluster never share one.
const ALICE = `alice_${RUN}`;
const BOB = `bob_${RUN}`;
const CAROL = `carol_${RUN}`;
const PASSWORD = { [ALICE]: `pw-a-${RUN}`, [BOB]: `pw-b-${RUN}`, [CAROL]: `pw-c-${RUN}` };
const SHA = (c: string) => `sha256:${c.repeat(64)}`;

/** Variables of the caller's environment that would leak into the product's or psql's behaviour. */
const SCRUBBED: Record<string, undefined> = {
  CASCADE_IMAGE_DB: undefined,
  CASCADE_ACTOR: undefined,
  CASCADE_DEFAULT_WORKER_IMAGE: undefined,
  CASCADE_IMAGE_DEBUG: undefined,
  FORCE_COLOR: undefined,
  PGUSER: undefined,
  PGPASSWORD: undefined,
  PGPASSFILE: undefined,
  PGHOST: undefined,
  PGPORT: undefined,
  PGDATABASE: undefined,
  PGOPTIONS: undefined,
  PGSSLMODE: undefined,
};

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
  lines: string[];
}
const explain = (r: Run) => `exit ${r.exitCode}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** How each role reaches the store, each the libpq way a user would: PGPASSWORD, the URL, ~/.pgpass. */
interface Who {
  readonly role: string;
  readonly url: string;
  readonly env: Record<string, string>;
}

describe.skipIf(!e2e.engine || !postgresAvailable())('the permission rule on a PostgreSQL store (real server, built binary, psql)', () => {
  let dir: string;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let alice: Who;
  let bob: Who;
  let carol: Who;
  const admin = new URL(adminUrl() ?? 'postgres://unset').username;
  const pushed: string[] = [];
  /** The payments project's own tag: moved by a test to show a held drift. */
  const payments = { repo: `roles-${RUN}/payments`, ref: '', pin: '', moved: '' };
  const acmePin = () => `${e2e.registry}/acme/worker@${e2e.digests.good}`;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cascade-pg-roles-'));
    database = await createTestDatabase('roles');
    for (const role of [ALICE, BOB, CAROL]) await ensureRole(role, PASSWORD[role] ?? '');
    const pgpass = path.join(dir, 'pgpass');
    const server = new URL(database.url());
    writeFileSync(pgpass, `${server.hostname}:${server.port || 5432}:*:${CAROL}:${PASSWORD[CAROL]}\n`);
    chmodSync(pgpass, 0o600);
    alice = { role: ALICE, url: database.url({ role: ALICE, schema: SCHEMA }), env: { PGPASSWORD: PASSWORD[ALICE] ?? '' } };
    bob = { role: BOB, url: database.url({ role: BOB, password: PASSWORD[BOB], schema: SCHEMA }), env: {} };
    carol = { role: CAROL, url: database.url({ role: CAROL, schema: SCHEMA }), env: { PGPASSFILE: pgpass } };

    payments.ref = `${e2e.registry}/${payments.repo}:current`;
    payments.pin = `${e2e.registry}/${payments.repo}@${await pushImage(e2e.local.good, payments.ref)}`;
    pushed.push(payments.ref, payments.pin);
  });

  afterAll(async () => {
    await database?.drop();
    for (const role of [ALICE, BOB, CAROL]) await adminQuery(`drop role if exists "${role}"`).catch(() => undefined);
    if (pushed.length > 0) await execa('docker', ['image', 'rm', ...pushed], { reject: false, stdin: 'ignore' });
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  /** `cascade-image …args` as a role: its own credentials, nothing else of ours in the environment. */
  async function as(who: Who, args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
    const r = await execa(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { ...SCRUBBED, CASCADE_IMAGE_DB: who.url, XDG_DATA_HOME: path.join(dir, 'xdg'), NO_COLOR: '1', ...who.env, ...env },
      reject: false,
      stdin: 'ignore',
      timeout: 120_000,
    });
    if (r.timedOut) throw new Error(`cascade-image ${args.join(' ')} timed out:\n${r.stdout}\n${r.stderr}`);
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, lines: r.stdout === '' ? [] : r.stdout.split('\n') };
  }

  /** SQL through psql as a role (or the cluster's admin superuser), stopping at the first error, with its SQLSTATE shown. */
  async function psql(who: Who | 'admin', statements: string): Promise<Run> {
    const url = who === 'admin' ? database.url() : database.url({ role: who.role, password: PASSWORD[who.role] ?? '' });
    const r = await execa('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-v', 'VERBOSITY=verbose', '-d', url, '-f', '-'], {
      input: `set search_path = ${SCHEMA};\n${statements}\n`,
      env: { ...SCRUBBED, PGCONNECT_TIMEOUT: '10' },
      reject: false,
      timeout: 60_000,
    });
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, lines: r.stdout === '' ? [] : r.stdout.split('\n') };
  }

  /** The server refused the statement with this SQLSTATE (psql: `ERROR:  <code>: …`). */
  function expectRefused(r: Run, code: string, message?: RegExp): void {
    expect(r.exitCode, explain(r)).not.toBe(0);
    expect(r.stderr, explain(r)).toMatch(new RegExp(`^(psql:<stdin>:\\d+: )?ERROR: {2}${code}: `, 'm'));
    if (message !== undefined) expect(r.stderr).toMatch(message);
  }

  /**
   * The whole schema, definitions and rows, as the admin sees it. Sequence positions are left
   * out (a refused INSERT still draws its identity value: sequences are not transactional), and so
   * is the random key of pg_dump's own \restrict guard lines.
   */
  async function dump(): Promise<string> {
    const r = await execa('pg_dump', ['--schema', SCHEMA, '--no-comments', '-d', database.url()], { env: { ...SCRUBBED }, stdin: 'ignore' });
    return r.stdout
      .split('\n')
      .filter((line) => !line.startsWith('SELECT pg_catalog.setval(') && !/^\\(un)?restrict /.test(line))
      .join('\n');
  }

  const generationOf = async (project: string): Promise<number> => {
    const [row] = await adminQuery<{ generation: number }>(`select generation from ${SCHEMA}.projects where id = $1`, [project], database.name);
    if (row === undefined) throw new Error(`no project ${project}`);
    return row.generation;
  };

  const auditOf = (project: string) =>
    adminQuery<{ actor: string; event: string; to_ref: string | null }>(`select actor, event, to_ref from ${SCHEMA}.audit_log where project_id = $1 order by id`, [project], database.name);

  it('doctor, before there is a store: the server answers, the schema does not exist yet, and doctor does not create it', async () => {
    const r = await as(alice, ['doctor']);
    expect(r.exitCode, explain(r)).toBe(0);
    const shown = `postgres://${ALICE}@${new URL(database.url()).host}/${database.name}`;
    expect(r.lines).toContainEqual(`ok  store  ${shown}, schema ${SCHEMA}: the server answers; the schema does not exist yet: the first change creates it (the role needs CREATE on the database) and makes role ${ALICE} its first superadmin`);
    // bob's password is in his URL: doctor shows where the store is, never that.
    const bobs = await as(bob, ['doctor', '--json']);
    expect(bobs.exitCode, explain(bobs)).toBe(0);
    expect(bobs.stdout).toContain(`postgres://${BOB}@`);
    expect(`${bobs.stdout}${bobs.stderr}`).not.toContain(PASSWORD[BOB]);
    expect(await adminQuery(`select 1 from pg_namespace where nspname = $1`, [SCHEMA], database.name)).toEqual([]);
  });

  it('alice (PGPASSWORD) creates the store and is its first superadmin; she grants bob viewer; a grant to a role the server lacks is exit 2', async () => {
    const acme = await as(alice, ['set', 'acme', e2e.images.good, '--create']);
    expect(acme.exitCode, explain(acme)).toBe(0);
    expect(acme.lines).toEqual([`acme  pending  ${e2e.images.good}`, `acme  verified → ${acmePin()}`]);
    const pay = await as(alice, ['set', 'payments', payments.ref, '--create']);
    expect(pay.exitCode, explain(pay)).toBe(0);
    expect(pay.lines.at(-1)).toMatch(new RegExp(`^payments {2}verified → ${escape(payments.pin)}( |$)`));
    const hold = await as(alice, ['trust', 'set', 'payments', '--drift', 'hold']);
    expect(hold.exitCode, explain(hold)).toBe(0);
    // A project bob will validate: pending, its reference chosen by alice.
    const beta = await as(alice, ['set', 'beta', e2e.images.good, '--create', '--no-validate']);
    expect(beta.exitCode, explain(beta)).toBe(0);

    const grant = await as(alice, ['operators', 'grant', BOB, '--role', 'viewer']);
    expect(grant.exitCode, explain(grant)).toBe(0);
    expect(grant.lines).toEqual([`${BOB}  viewer`]);

    const before = await dump();
    const ghost = `ghost_${RUN}`;
    const missing = await as(alice, ['operators', 'grant', ghost, '--role', 'viewer']);
    expect(missing.exitCode, explain(missing)).toBe(2);
    expect(missing.stderr).toContain(`cascade-image: there is no database role ${ghost} on ${new URL(database.url()).host}: on PostgreSQL an operator is a role that logs in`);
    expect(missing.stderr).toContain(`hint: create it first (CREATE ROLE ${ghost} LOGIN PASSWORD '…'), then grant it again`);
    expect(await dump()).toBe(before);

    const list = await as(carol, ['operators', 'list', '--json']);
    expect(list.exitCode, explain(list)).toBe(0);
    const operators = (JSON.parse(list.stdout) as { data: { operators: Array<{ actor: string; role: string; grantedBy: string }> } }).data.operators;
    expect(operators.map(({ actor, role, grantedBy }) => [actor, role, grantedBy])).toEqual([
      [ALICE, 'superadmin', ALICE],
      [BOB, 'viewer', ALICE],
    ]);
    const human = await as(bob, ['operators', 'list']);
    expect(human.lines).toEqual([expect.stringMatching(new RegExp(`^${ALICE} {2}superadmin {2}\\(granted by ${ALICE} at `)), expect.stringMatching(new RegExp(`^${BOB} {2}viewer`))]);
  });

  it('doctor names each connected role and what it may do, and warns that the schema owner can switch the rule off', async () => {
    const seen: Record<string, { role: string; warnings: string[] | undefined }> = {};
    for (const who of [alice, bob, carol]) {
      const r = await as(who, ['doctor', '--json']);
      expect(r.exitCode, explain(r)).toBe(0);
      const data = (JSON.parse(r.stdout) as { data: { checks: Array<{ name: string; ok: boolean; detail: string; warnings?: string[] }>; store: Record<string, unknown> } }).data;
      expect(data.checks.map((check) => [check.name, check.ok])).toEqual([
        ['engine', true],
        ['store', true],
        ['schema', true],
        ['role', true],
      ]);
      expect(data.store).toMatchObject({ kind: 'postgres', schema: SCHEMA, connectedRole: who.role, serverSuperuser: false });
      const role = data.checks.find((check) => check.name === 'role');
      seen[who.role] = { role: role?.detail ?? '', warnings: role?.warnings };
    }
    expect(seen).toEqual({
      [ALICE]: { role: `connected as ${ALICE}: superadmin: changes, re-validates, reads`, warnings: [expect.stringMatching(new RegExp(`^${ALICE} owns the schema ${SCHEMA} or its tables: `))] },
      [BOB]: { role: `connected as ${BOB}: viewer: re-validates, reads`, warnings: undefined },
      [CAROL]: { role: `connected as ${CAROL}: not an operator: reads only`, warnings: undefined },
    });
    const human = await as(alice, ['doctor']);
    expect(human.lines).toContainEqual(expect.stringMatching(new RegExp(`^ {2}warning: ${ALICE} owns the schema ${SCHEMA} or its tables: it can alter or drop the tables and triggers`)));
  });

  it("bob (a viewer) may not change anything: the CLI refuses (77), and so does the server to his own SQL, with our trigger's SQLSTATE, changing nothing", async () => {
    const before = await dump();

    const set = await as(bob, ['set', 'acme', payments.ref]);
    expect(set.exitCode, explain(set)).toBe(77);
    expect(set.stderr).toContain(`cascade-image: forbidden: ${BOB} is not a superadmin`);
    expect(set.stderr).toContain(`hint: ask a superadmin to run: cascade-image operators grant ${BOB} --role superadmin`);
    for (const args of [['operators', 'grant', BOB, '--role', 'superadmin'], ['trust', 'clear', 'payments'], ['delete', 'beta', '--force']]) {
      const r = await as(bob, args);
      expect(r.exitCode, `${args.join(' ')}\n${explain(r)}`).toBe(77);
    }

    const viewer = new RegExp(`role ${BOB} is a viewer of this cascade-image store`);
    const now = new Date().toISOString();
    const generation = await generationOf('payments');
    const refused: Array<[string, string]> = [
      ['another image', `update projects set worker_image = 'evil.example/team/worker:1' where id = 'acme'`],
      ['a grant to himself', `insert into operators (actor, role, granted_by, granted_at) values ('${BOB}', 'superadmin', '${ALICE}', '${now}')`],
      ['a promotion', `update operators set role = 'superadmin' where actor = '${BOB}'`],
      ['dropping the hold policy', `delete from policies`],
      ['a pin of another repository', `update projects set digest = '${e2e.registry}/elsewhere/worker@${SHA('e')}' where id = 'acme'`],
      ['a pin of an image ID on a project without --allow-local', `update projects set digest = '${SHA('e')}', pin_kind = 'local' where id = 'acme'`],
      ['an audit row in alice’s name', `insert into audit_log (at, actor, project_id, event, from_ref, to_ref, detail) values ('${now}', '${ALICE}', 'acme', 'validation_verified', null, null, null)`],
      ['an audit row of a change, in his own name', `insert into audit_log (at, actor, project_id, event, from_ref, to_ref, detail) values ('${now}', '${BOB}', 'acme', 'project_worker_image_changed', null, 'evil.example/x:1', null)`],
      // Swapping two projects' names would swap the images their launchers get.
      ['renaming a project', `update projects set id = 'acme2' where id = 'acme'`],
      ['a new project', `insert into projects (id, created_at, updated_at) values ('mine', '${now}', '${now}')`],
      ['deleting a project', `delete from projects where id = 'beta'`],
      ['deleting runs', `delete from validation_runs`],
      // A held drift is what approve pins: it must be of the slot's own reference, at its generation.
      [
        'a held drift of another repository',
        `insert into held_drifts (scope, reference, digest, pin_kind, generation, contract_hash, run_id, found_at) values ('payments', 'evil.example/team/worker:1', 'evil.example/team/worker@${SHA('e')}', 'registry', ${generation}, 'x', 'r1', '${now}')`,
      ],
      [
        'a held image ID for a project without --allow-local',
        `insert into held_drifts (scope, reference, digest, pin_kind, generation, contract_hash, run_id, found_at) values ('payments', '${payments.ref}', '${SHA('e')}', 'local', ${generation}, 'x', 'r1', '${now}')`,
      ],
      // pg_temp comes first in a search path that does not name it: the guard must not read bob's own `operators`.
      [
        'a temporary operators table of his own',
        `create temp table operators (actor text, role text); insert into operators values ('${BOB}', 'superadmin'); update ${SCHEMA}.projects set worker_image = 'evil.example/team/worker:1' where id = 'acme'`,
      ],
      [
        'a temporary policies table saying repin',
        `create temp table policies (scope text, drift text); insert into policies values ('payments', 'repin'); update ${SCHEMA}.projects set digest = '${e2e.registry}/${payments.repo}@${SHA('d')}' where id = 'payments'`,
      ],
    ];
    // Soft: every statement the server let through is reported, not just the first.
    for (const [what, statements] of refused) {
      const r = await psql(bob, statements);
      expect.soft(r.exitCode, `${what}\n${explain(r)}`).not.toBe(0);
      expect.soft(r.stderr, what).toMatch(/^(psql:<stdin>:\d+: )?ERROR: {2}CIVWR: /m);
      expect.soft(r.stderr, what).toMatch(viewer);
    }
    // TRUNCATE skips row triggers: it is not granted to anyone but the owner.
    expectRefused(await psql(bob, 'truncate projects'), '42501', /permission denied for table projects/);

    // What a viewer may write by design, shown in transactions rolled back: a verdict for the slot's
    // own repository where drift is not held, and a held drift of the slot's own reference.
    const allowed = await psql(
      bob,
      `begin;
       update projects set digest = '${e2e.registry}/acme/worker@${SHA('d')}' where id = 'acme';
       insert into held_drifts (scope, reference, digest, pin_kind, generation, contract_hash, run_id, found_at) values ('payments', '${payments.ref}', '${e2e.registry}/${payments.repo}@${SHA('d')}', 'registry', ${generation}, 'x', 'r1', '${now}');
       rollback;`,
    );
    expect(allowed.exitCode, explain(allowed)).toBe(0);

    expect(await dump()).toBe(before);
  });

  it('bob re-validates: his verdicts are stored, the runs and audit rows name him, and a drift under hold is held, not pinned', async () => {
    // --fresh: bob's own smoke-test runs in the engine, and he writes its verdict into the smoke cache.
    const tested = (await adminQuery<{ tested_at: string }>(`select tested_at from ${SCHEMA}.smoke_results`, [], database.name)).map((row) => row.tested_at);
    const beta = await as(bob, ['validate', 'beta', '--fresh']);
    expect(beta.exitCode, explain(beta)).toBe(0);
    expect(beta.lines[0]).toBe(`beta  verified → ${acmePin()}`);
    expect((await auditOf('beta')).at(-1)).toEqual({ actor: BOB, event: 'validation_verified', to_ref: acmePin() });
    const retested = (await adminQuery<{ tested_at: string }>(`select tested_at from ${SCHEMA}.smoke_results`, [], database.name)).map((row) => row.tested_at);
    expect(retested).toHaveLength(tested.length);
    expect(retested).not.toEqual(tested);

    // payments' tag moves to another image that passes: under hold, bob's cron holds it.
    payments.moved = `${e2e.registry}/${payments.repo}@${await pushImage(e2e.local['node-new'], payments.ref)}`;
    pushed.push(payments.moved);
    const cron = await as(bob, ['validate', 'payments']);
    expect(cron.exitCode, explain(cron)).toBe(1);
    expect(cron.lines[0]).toMatch(new RegExp(`^payments {2}verified → ${escape(payments.pin)} {2}\\(drifted: awaiting approval: .*${escape(payments.moved)}, which passes`));
    expect((await auditOf('payments')).at(-1)).toEqual({ actor: BOB, event: 'drift_held', to_ref: payments.moved });
    const [held] = await adminQuery<{ digest: string }>(`select digest from ${SCHEMA}.held_drifts where scope = 'payments'`, [], database.name);
    expect(held?.digest).toBe(payments.moved);
    const runs = await adminQuery<{ reference: string; outcome: string }>(`select reference, outcome from ${SCHEMA}.validation_runs where project_id in ('beta', 'payments') order by id`, [], database.name);
    expect(runs.slice(-2)).toEqual([
      { reference: e2e.images.good, outcome: 'verified' },
      { reference: payments.ref, outcome: 'verified' },
    ]);

    // The held digest passed and is of payments' own repository; still, under hold only a superadmin's approval pins it.
    const before = await dump();
    const repin = await psql(bob, `update projects set digest = '${payments.moved}' where id = 'payments'`);
    expectRefused(repin, 'CIVWR', new RegExp(`role ${BOB} is a viewer`));
    expect(await dump()).toBe(before);
    expect((await as(carol, ['resolve', 'payments'])).stdout).toBe(payments.pin);

    const approved = await as(alice, ['approve', 'payments']);
    expect(approved.exitCode, explain(approved)).toBe(0);
    expect((await as(carol, ['resolve', 'payments'])).stdout).toBe(payments.moved);
    expect((await auditOf('payments')).at(-1)).toEqual({ actor: ALICE, event: 'drift_approved', to_ref: payments.moved });
  });

  it("bob's cron holds a drift of the global default too: the guard finds the default's own reference", async () => {
    const repo = `roles-${RUN}/default`;
    const ref = `${e2e.registry}/${repo}:current`;
    const first = `${e2e.registry}/${repo}@${await pushImage(e2e.local.good, ref)}`;
    pushed.push(ref, first);
    const set = await as(alice, ['defaults', 'set', ref]);
    expect(set.exitCode, explain(set)).toBe(0);
    expect((await as(alice, ['trust', 'set', '--default', '--drift', 'hold'])).exitCode).toBe(0);

    const moved = `${e2e.registry}/${repo}@${await pushImage(e2e.local['node-new'], ref)}`;
    pushed.push(moved);
    const cron = await as(bob, ['validate', '--default']);
    expect(cron.exitCode, explain(cron)).toBe(1);
    expect(cron.lines[0]).toMatch(new RegExp(`^\\(default\\) {2}verified → ${escape(first)} {2}\\(drifted: awaiting approval: `));
    const held = await adminQuery<{ digest: string; reference: string }>(`select digest, reference from ${SCHEMA}.held_drifts where scope = '(default)'`, [], database.name);
    expect(held).toEqual([{ digest: moved, reference: ref }]);
    expectRefused(await psql(bob, `update global_default set digest = '${moved}'`), 'CIVWR');
    // Clean for the tests after: alice lifts the hold and clears the default (superadmin changes).
    expect((await as(alice, ['trust', 'clear', '--default'])).exitCode).toBe(0);
    expect((await as(alice, ['defaults', 'clear'])).exitCode).toBe(0);
  });

  it('carol (~/.pgpass, no grant) reads, but may not re-validate or write anything', async () => {
    const show = await as(carol, ['show', 'acme']);
    expect(show.exitCode, explain(show)).toBe(0);
    expect(show.lines[0]).toBe(`acme  verified → ${acmePin()}`);
    const list = await as(carol, ['list']);
    expect(list.exitCode, explain(list)).toBe(0);
    expect(list.lines.map((line) => line.split('  ')[0])).toEqual(['acme', 'beta', 'payments']);
    const history = await as(carol, ['history', 'acme']);
    expect(history.exitCode, explain(history)).toBe(0);

    const before = await dump();
    const validate = await as(carol, ['validate', 'acme']);
    expect(validate.exitCode, explain(validate)).toBe(77);
    expect(validate.stderr).toContain(`cascade-image: forbidden: ${CAROL} is not an operator`);
    expect(validate.stderr).toContain(`hint: ask a superadmin to run: cascade-image operators grant ${CAROL} --role viewer`);

    const stranger = new RegExp(`role ${CAROL} is not an operator of this cascade-image store: it may only read`);
    for (const statements of [
      `update validation_runs set error = 'forged'`,
      `insert into audit_log (at, actor, project_id, event) values ('${new Date().toISOString()}', '${CAROL}', 'acme', 'validation_failed')`,
      `update smoke_results set status = 'verified', reason = null`,
      `insert into held_drifts (scope, reference, digest, pin_kind, generation, contract_hash, run_id, found_at) values ('acme', '${e2e.images.good}', '${e2e.registry}/acme/worker@${SHA('d')}', 'registry', 1, 'x', 'r1', '${new Date().toISOString()}')`,
      `create temp table operators (actor text, role text); insert into operators values ('${CAROL}', 'superadmin'); update ${SCHEMA}.validation_runs set error = 'forged'`,
    ]) {
      expectRefused(await psql(carol, statements), 'CIOPR', stranger);
    }
    expect(await dump()).toBe(before);
  });

  it('--actor mallory with alice’s credentials: a note, and the audit row names alice, whom the server authenticated', async () => {
    const r = await as(alice, ['--actor', 'mallory', 'set', 'gamma', e2e.images.good, '--create', '--no-validate']);
    expect(r.exitCode, explain(r)).toBe(0);
    expect(r.stderr).toContain(`note: on PostgreSQL the actor is the database role ${ALICE}, as the server authenticated it; --actor mallory is not used`);
    const env = await as(alice, ['clear', 'gamma'], { CASCADE_ACTOR: 'mallory' });
    expect(env.exitCode, explain(env)).toBe(0);
    expect(env.stderr).toContain('CASCADE_ACTOR mallory is not used');
    expect((await auditOf('gamma')).map((row) => row.actor)).toEqual([ALICE, ALICE]);
    // And bob cannot borrow a name either: the CLI refuses him as himself.
    const borrowed = await as(bob, ['--actor', ALICE, 'set', 'gamma', e2e.images.good]);
    expect(borrowed.exitCode, explain(borrowed)).toBe(77);
    expect(borrowed.stderr).toContain(`forbidden: ${BOB} is not a superadmin`);
  });

  it('the audit log refuses UPDATE, DELETE and TRUNCATE on the server: for a superadmin, and for the admin superuser too', async () => {
    const before = await dump();
    const edits = ["update audit_log set actor = 'nobody'", 'delete from audit_log', 'truncate audit_log'];
    for (const statements of edits) expectRefused(await psql(alice, statements), 'CIAPP', /audit_log is append-only/);

    // The cluster's admin is a server superuser but no operator: the guard refuses its writes first…
    expectRefused(await psql('admin', edits[0] ?? ''), 'CIOPR');
    expectRefused(await psql('admin', edits[1] ?? ''), 'CIOPR');
    // …TRUNCATE skips row triggers, and meets the log's own statement trigger.
    expectRefused(await psql('admin', edits[2] ?? ''), 'CIAPP', /audit_log is append-only/);
    expect(await dump()).toBe(before);

    // Granted superadmin, so the guard lets it through: the log still refuses every edit.
    const grant = await as(alice, ['operators', 'grant', admin, '--role', 'superadmin']);
    expect(grant.exitCode, explain(grant)).toBe(0);
    const granted = await dump();
    for (const statements of edits) expectRefused(await psql('admin', statements), 'CIAPP', /audit_log is append-only/);
    expect(await dump()).toBe(granted);
  });
});
