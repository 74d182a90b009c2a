// `store copy` end to end: the BUILT binary moves a SQLite store whose projects were validated
// against the real engine and registry into a new PostgreSQL schema, and from there into a new
// SQLite file; every read command prints the same lines from each store, a store that exists is
// refused with nothing written, the output counts every table, and both stores record the copy.
// Under CI=true a missing PostgreSQL fails this file; it never skips.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { COPIED_TABLES } from '../../src/ports/store-copy.js';
import { createTestDatabase, ensureRole, postgresAvailable } from '../support/postgres.js';
import { DEFAULT_ACTOR, explain, tempCli, type Cli, type CliResult } from './support/cli.js';

const e2e = inject('e2e');
const pinned = (variant: keyof typeof e2e.digests) => `${e2e.registry}/acme/worker@${e2e.digests[variant]}`;
const ROLE = 'e2e_store_copier';
const PASSWORD = 'Copy-pass-9137-secret';
/** Creating and dropping a database can take a busy test cluster half a minute. */
const SERVER_HOOK_MS = 120_000;

/** What a launcher and an operator read: the same commands, run against any store. */
const READS: ReadonlyArray<readonly string[]> = [
  ['list'],
  ['show', 'acme'],
  ['show', 'beta'],
  ['show', 'gamma'],
  ['resolve', 'acme'],
  ['resolve', 'beta'],
  ['resolve', 'gamma'],
  ['defaults'],
  ['contract', 'show', 'acme'],
  ['trust', 'show', 'acme'],
  ['list', '--json'],
  ['show', 'acme', '--json'],
];

describe.runIf(e2e.engine && postgresAvailable())('store copy: SQLite → PostgreSQL → SQLite with the built binary', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase('e2e_store_copy');
    await ensureRole(ROLE, PASSWORD);
  }, SERVER_HOOK_MS);
  afterAll(async () => database?.drop(), SERVER_HOOK_MS);

  /** Every command of this test runs here; none may ever print the password. */
  const printed: string[] = [];
  const on = async (cli: Cli, db: string, args: readonly string[]): Promise<CliResult> => {
    const result = await cli.run(['--db', db, ...args]);
    printed.push(result.all);
    return result;
  };
  /** What each read command prints (stdout) and how it exits, from one store. */
  const reads = async (cli: Cli, db: string) => Promise.all(READS.map(async (args) => {
    const r = await on(cli, db, args);
    return { args: args.join(' '), exitCode: r.exitCode, stdout: r.stdout };
  }));
  const history = async (cli: Cli, db: string): Promise<string[]> => {
    const r = await on(cli, db, ['history', '--limit', '1000']);
    expect(r.exitCode, explain(r)).toBe(0);
    return r.lines;
  };

  it('copies a validated store to a new schema and back, the same from every store, refusing stores that exist', async () => {
    const cli = await tempCli();
    const source = cli.db;
    // A store with what an operator builds: a verified image, a failed one, one on the verified
    // global default, a viewer, a contract, a policy, and the runs and smoke verdicts behind them.
    expect((await on(cli, source, ['set', 'acme', e2e.images.good, '--create'])).exitCode).toBe(0);
    expect((await on(cli, source, ['set', 'beta', e2e.images['no-git'], '--create'])).exitCode).toBe(1);
    expect((await on(cli, source, ['create', 'gamma'])).exitCode).toBe(0);
    expect((await on(cli, source, ['defaults', 'set', e2e.images.good])).exitCode).toBe(0);
    expect((await on(cli, source, ['operators', 'grant', 'bob', '--role', 'viewer'])).exitCode).toBe(0);
    const contract = path.join(cli.dir, 'acme.yaml');
    writeFileSync(contract, 'contract: 1\nname: acme-worker\nextends: worker\nsoftFailures: warn\n');
    expect((await on(cli, source, ['contract', 'set', 'acme', contract, '--no-validate'])).exitCode).toBe(0);
    expect((await on(cli, source, ['trust', 'set', 'acme', '--drift', 'hold'])).exitCode).toBe(0);
    const fromSqlite = await reads(cli, source);
    expect(fromSqlite.find((r) => r.args === 'resolve acme')).toEqual({ args: 'resolve acme', exitCode: 0, stdout: pinned('good') });
    expect(fromSqlite.find((r) => r.args === 'resolve beta')?.exitCode).toBe(1);
    const sourceHistory = await history(cli, source);
    const counts = Object.fromEntries(COPIED_TABLES.map((table) => [table, cli.store().query<{ n: number }>(`select count(*) as n from ${table}`)[0]?.n ?? 0]));

    // SQLite → a new PostgreSQL schema, written as the URL's role, which the copy makes a superadmin.
    const server = database.url({ role: ROLE, password: PASSWORD, schema: 'copied' });
    const shownServer = `postgres://${ROLE}@${new URL(server).host}/${database.name} (schema copied)`;
    const there = await on(cli, source, ['store', 'copy', '--to', server]);
    expect(there.exitCode, explain(there)).toBe(0);
    expect(there.lines[0]).toBe(`store copied  ${source} → ${shownServer}`);
    expect(there.lines[1]).toBe(`  ${'schema'.padEnd(20)}  0005_server_roles (target created)`);
    for (const table of COPIED_TABLES) {
      const added = table === 'operators' ? `  (+1: ${ROLE} as superadmin)` : table === 'audit_log' ? '  (+2: its grant, store_copied)' : '';
      const n = counts[table] ?? 0;
      expect(there.lines, table).toContain(`  ${table.padEnd(20)}  ${n} → ${n + (table === 'operators' ? 1 : table === 'audit_log' ? 2 : 0)}${added}`);
    }
    expect(there.lines.at(-1)).toMatch(new RegExp(`^${ROLE}  superadmin  added to the copy: `));
    expect(counts.projects).toBe(3);
    expect(counts.validation_runs).toBeGreaterThanOrEqual(3);
    expect(counts.smoke_results).toBeGreaterThanOrEqual(2);

    // Every read prints the same from the copy; its operators are the source's and the role that wrote it.
    expect(await reads(cli, server)).toEqual(fromSqlite);
    const operators = (await on(cli, source, ['operators', 'list'])).lines;
    const serverOperators = (await on(cli, server, ['operators', 'list'])).lines;
    expect(serverOperators.filter((line) => !line.startsWith(`${ROLE}  `))).toEqual(operators);
    expect(serverOperators).toContainEqual(expect.stringMatching(new RegExp(`^${ROLE}  superadmin  \\(granted by ${ROLE} at `)));
    // The history too: the copy's own rows on top (the source's one row, the server's grant and row).
    const serverHistory = await history(cli, server);
    const [sourceCopied, ...sourceBefore] = await history(cli, source);
    expect(sourceBefore).toEqual(sourceHistory);
    expect(sourceCopied).toMatch(new RegExp(`  ${DEFAULT_ACTOR}  \\(global\\)  store_copied  ${escape(source)} → ${escape(shownServer)}$`));
    expect(serverHistory.slice(2)).toEqual(sourceHistory);
    expect(serverHistory[0]).toBe(sourceCopied?.replace(`  ${DEFAULT_ACTOR}  `, `  ${ROLE}  `));
    expect(serverHistory[1]).toMatch(new RegExp(`  ${ROLE}  \\(global\\)  operator_granted  ${ROLE} superadmin$`));
    const sourceRow = cli.store().audit().at(-1);
    expect(sourceRow).toMatchObject({ actor: DEFAULT_ACTOR, event: 'store_copied', from_ref: source, to_ref: shownServer });
    expect(JSON.parse(sourceRow?.detail ?? '{}')).toMatchObject({ counts, addedSuperadmin: ROLE, by: DEFAULT_ACTOR });

    // PostgreSQL → a new SQLite file, as the role that is now its superadmin: nothing is added.
    const back = path.join(cli.dir, 'back', 'copy.db');
    const json = await on(cli, server, ['store', 'copy', '--to', back, '--json']);
    expect(json.exitCode, explain(json)).toBe(0);
    const envelope = JSON.parse(json.stdout) as { command: string; ok: boolean; data: { source: string; target: string; created: boolean; actor: string; addedSuperadmin: unknown; tables: Array<{ table: string; source: number; target: number; added: number }> } };
    expect(envelope).toMatchObject({ command: 'store copy', ok: true, data: { source: shownServer, target: back, created: true, actor: ROLE, addedSuperadmin: null } });
    expect(envelope.data.tables.map((row) => [row.table, row.target - row.source, row.added])).toEqual(COPIED_TABLES.map((table) => [table, table === 'audit_log' ? 1 : 0, table === 'audit_log' ? 1 : 0]));
    expect(await reads(cli, back)).toEqual(fromSqlite);
    expect((await on(cli, back, ['operators', 'list'])).lines).toEqual(serverOperators);
    // Both record this copy with one moment and one actor: the two histories are line for line the same.
    const backHistory = await history(cli, back);
    expect(backHistory).toEqual(await history(cli, server));
    expect(backHistory[0]).toMatch(new RegExp(`  ${ROLE}  \\(global\\)  store_copied  ${escape(shownServer)} → ${escape(back)}$`));

    // A store that exists is refused (exit 2) and neither side changes.
    const before = { sqlite: cli.store().everything(), server: await history(cli, server), back: await history(cli, back) };
    for (const [from, to] of [[source, server], [server, back], [back, source]] as const) {
      const refused = await on(cli, from, ['store', 'copy', '--to', to]);
      expect(refused.exitCode, explain(refused)).toBe(2);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toMatch(/cascade-image: the target .* already holds a store \(operators \d+, .*audit_log \d+\): nothing was copied/);
    }
    expect(cli.store().everything()).toEqual(before.sqlite);
    expect(await history(cli, server)).toEqual(before.server);
    expect(await history(cli, back)).toEqual(before.back);

    // The password was in every --db and --to above, and in nothing any command printed.
    expect(printed.join('\n')).not.toContain(PASSWORD);
    expect(JSON.stringify(cli.store().everything())).not.toContain(PASSWORD);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
