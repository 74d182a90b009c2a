// Faults of the store and of the credential helpers (issue 14, items 8 and 9), staged for real:
// the BUILT binary, the real engine and registry. One test per README "Faults" row, named
// `fault: <first cell of the row>` (test/readme-faults.test.ts keeps the two in step).
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, inject, it } from 'vitest';
import { cutInsideLastPage, pagesOf, swapFirstCells } from '../store/damage.js';
import { dockerConfigDir, leaksIn, storeBytes, tempDir } from './support/auth.js';
import { explain, tempCli, type Cli, type CliResult } from './support/cli.js';
import { fileHashes } from './support/faults.js';
import { leakyCredentialHelper } from './support/helper-secret.js';

const e2e = inject('e2e');
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe.skipIf(!e2e.engine)('faults of the store and the credential helpers, against the real engine', () => {
  /** A store made by the CLI itself: a few projects, their validations and audit rows, over several pages. */
  async function storeWithHistory(): Promise<Cli> {
    const cli = await tempCli();
    for (const project of ['acme', 'beta', 'gamma']) {
      const r = await cli.run(['set', project, e2e.images.good, '--create']);
      expect(r.exitCode, explain(r)).toBe(0);
    }
    for (let n = 0; n < 12; n += 1) {
      const r = await cli.run(['set', `p${String(n).padStart(2, '0')}`, e2e.images['no-git'], '--create', '--no-validate']);
      expect(r.exitCode, explain(r)).toBe(0);
    }
    return cli;
  }

  /** A sandbox of its own holding a copy of `original`'s store file. */
  async function copyOf(original: Cli): Promise<Cli> {
    const cli = await tempCli();
    mkdirSync(path.dirname(cli.db), { recursive: true });
    copyFileSync(original.db, cli.db);
    return cli;
  }

  it('fault: a store file damaged or cut short', async () => {
    const damages: Array<{ what: string; damage: (db: string) => void; says: RegExp }> = [
      // The reported case: SQLite would read the lost tail of the page as zeros, `null null (global)`.
      { what: 'cut inside its last page', damage: cutInsideLastPage, says: /is damaged: it was cut short \(\d+ bytes is not a whole number of \d+-byte pages\)/ },
      // Every byte plausible, found only by SQLite's own check (quick_check), run on every open for the projects table.
      { what: 'rowids of a projects page out of order', damage: (db) => swapFirstCells(db, pagesOf(db, 'projects')[0]!), says: /is damaged: SQLite's integrity check found: .*out of order/ },
    ];
    const original = await storeWithHistory();
    for (const { what, damage, says } of damages) {
      const cli = await copyOf(original);
      damage(cli.db);
      const dir = path.dirname(cli.db);
      const before = await fileHashes(dir);
      expect(Object.keys(before), what).toEqual(['cascade-image.db']);

      const runs: Array<readonly string[]> = [['show', 'acme'], ['list'], ['resolve', 'acme'], ['history'], ['set', 'acme', e2e.images['node-new']], ['validate', 'acme']];
      for (const args of runs) {
        const r = await cli.run(args);
        const why = `${what}: cascade-image ${args.join(' ')}\n${explain(r)}`;
        expect(r.exitCode, why).toBe(69);
        expect(r.stdout, why).toBe('');
        expect(r.stderr, why).toMatch(new RegExp(`^cascade-image: the store ${escape(cli.db)} ${says.source}`, 'm'));
        expect(r.stderr, why).toMatch(/^ {2}hint: restore the store from a backup/m);
        expect(await fileHashes(dir), why).toEqual(before);
      }
      const json = await cli.run(['show', 'acme', '--json']);
      expect(json.exitCode, explain(json)).toBe(69);
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'STORE_UNAVAILABLE', exitCode: 69, message: expect.stringMatching(says) } });
      expect(await fileHashes(dir)).toEqual(before);
    }
  });

  it('fault: a credential helper that fails and prints a secret', async () => {
    const marker = `cascade-e2e-secret-${randomBytes(8).toString('hex')}`;
    const bin = await tempDir('cascade-helpers-');
    const helper = await leakyCredentialHelper(bin, 'leaky', marker);
    const env = {
      DOCKER_CONFIG: await dockerConfigDir({ credHelpers: { [e2e.registry]: helper.name } }),
      PATH: `${bin}:${process.env.PATH ?? ''}`,
    };
    const reason = `cannot get registry credentials for ${e2e.registry}: credential helper docker-credential-${helper.name} exited with status 1`;
    const cli = await tempCli();
    const created = await cli.run(['set', 'acme', e2e.images.good, '--create', '--no-validate'], { env });
    expect(created.exitCode, explain(created)).toBe(0);

    // A reader held open keeps the WAL from being checkpointed and deleted when each command ends,
    // so what the commands wrote is still in it to be searched.
    const holder = new Database(cli.db, { readonly: true });
    try {
      holder.prepare('select count(*) from projects').get();
      const set = await cli.run(['set', 'acme', e2e.images.good], { env });
      expect(set.exitCode, explain(set)).toBe(1);
      expect(set.lines).toEqual([`acme  pending  ${e2e.images.good}`, `acme  failed: ${reason}`]);
      const validate = await cli.run(['validate', 'acme'], { env });
      expect(validate.exitCode, explain(validate)).toBe(1);
      expect(validate.stdout).toContain(`acme  failed: ${reason}`);
      const show = await cli.run(['show', 'acme'], { env });
      expect(show.lines[0]).toBe(`acme  failed: ${reason}`);
      const showJson = await cli.run(['show', 'acme', '--json'], { env });
      expect(showJson.stdout).toContain(JSON.stringify(reason));
      const history = await cli.run(['history'], { env });
      expect(history.stdout).toContain(reason);
      const historyJson = await cli.run(['history', '--json'], { env });
      expect(historyJson.stdout).toContain(JSON.stringify(reason));
      const doctor = await cli.run(['doctor', '--registry', e2e.registry], { env });
      expect(doctor.stdout).toContain(`credential helper docker-credential-${helper.name} exited with status 1`);
      const outputs: Record<string, CliResult> = { set, validate, show, 'show --json': showJson, history, 'history --json': historyJson, doctor };
      expect(await helper.calls()).toBeGreaterThanOrEqual(3);

      // What is stored: the reason on the project, in the run history and in the audit log.
      const store = cli.store();
      expect(store.project('acme')).toMatchObject({ status: 'failed', error: reason });
      expect(store.runs('acme').filter((run) => run.outcome === 'failed').map((run) => run.error)).toEqual([reason, reason]);
      expect(store.audit('acme').filter((row) => row.event === 'validation_failed').map((row) => JSON.parse(row.detail ?? '{}').reason)).toEqual([reason, reason]);

      expect(statSync(`${cli.db}-wal`).size, 'the WAL holds what the commands wrote').toBeGreaterThan(32);
      const places: Record<string, string | Buffer> = { 'store file, WAL and shared memory': await storeBytes(cli.db) };
      for (const [command, r] of Object.entries(outputs)) {
        places[`${command} stdout`] = r.stdout;
        places[`${command} stderr`] = r.stderr;
      }
      expect(leaksIn([marker, 'does not decrypt'], places)).toEqual([]);
    } finally {
      holder.close();
    }
  });
});
