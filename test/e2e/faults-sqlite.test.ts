// The faults of the SQLite store FILE (README "Faults"): its folder, its permissions, a file that is
// not a store, a file written by a newer cascade-image, and the acting name SQLite takes on trust
// (--actor / CASCADE_ACTOR). Split from faults.test.ts, which the e2e-postgres project also runs:
// these are about a file and run in the SQLite e2e project only (the PostgreSQL counterparts are
// in postgres-faults.test.ts). One test per README row, named `fault: <first cell of the row>`
// (test/readme-faults.test.ts keeps the two in step).
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, inject, it } from 'vitest';
import { dockerOk, explain, STORE_KIND, tempCli } from './support/cli.js';
import { fileHashes, nonce, readOnlyMount } from './support/faults.js';

const e2e = inject('e2e');

if (STORE_KIND !== 'sqlite') throw new Error('faults-sqlite.test.ts is about the SQLite store file: run it in the e2e project only');

describe.skipIf(!e2e.engine)('faults of the SQLite store file, against the real engine', () => {
  it('an acting name (--actor / CASCADE_ACTOR) with control characters is refused, exit 2; nothing is written', async () => {
    const cli = await tempCli();
    await cli.run(['set', 'acme', e2e.images.good, '--create', '--no-validate']);
    const before = cli.store().everything();
    for (const [argv, opts] of [
      [['--actor', 'ev\nil', 'set', 'acme', e2e.images.good], {}],
      [['set', 'acme', e2e.images.good], { actor: 'a\u001b]0;x\u0007' }],
    ] as const) {
      const r = await cli.run(argv, opts);
      expect(r.exitCode, explain(r)).toBe(2);
      expect(r.stderr, explain(r)).toMatch(/invalid actor/);
      expect(r.all, explain(r)).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    }
    expect(cli.store().everything()).toEqual(before);
  });

  it('fault: store folder missing', async () => {
    const cli = await tempCli();
    const db = path.join(cli.dir, 'does', 'not', 'exist', 'yet', 'cascade-image.db');
    const r = await cli.run(['set', 'acme', e2e.images.good, '--create', '--no-validate'], { env: { CASCADE_IMAGE_DB: db } });
    expect(r.exitCode, explain(r)).toBe(0);
    expect(existsSync(db)).toBe(true);
    expect(statSync(path.dirname(db)).mode & 0o777).toBe(0o700);
    const show = await cli.run(['show', 'acme'], { env: { CASCADE_IMAGE_DB: db } });
    expect(show.lines[0]).toBe(`acme  pending  ${e2e.images.good}`);
  });

  it('fault: store folder read-only', async (ctx) => {
    const cli = await tempCli();
    const empty = path.join(cli.dir, 'ro-empty');
    const withStore = path.join(cli.dir, 'ro-store');
    const mounted = await readOnlyMount(empty);
    if (!mounted) {
      if (process.env.CI === 'true') throw new Error('mount -t tmpfs is not permitted here, and CI=true');
      ctx.skip('mount -t tmpfs is not permitted here (needs root with CAP_SYS_ADMIN)');
      return;
    }
    // A store created while the folder was writable, then the folder became read-only.
    await readOnlyMount(withStore, async (dir) => {
      const r = await cli.run(['set', 'acme', e2e.images.good, '--create', '--no-validate'], { env: { CASCADE_IMAGE_DB: path.join(dir, 'cascade-image.db') } });
      expect(r.exitCode, explain(r)).toBe(0);
    });

    for (const dir of [empty, withStore]) {
      const db = path.join(dir, 'cascade-image.db');
      const before = await fileHashes(dir);
      const project = `ro-${nonce()}`;
      const since = new Date();
      const r = await cli.run(['set', project, e2e.images.good, '--create'], { env: { CASCADE_IMAGE_DB: db } });
      expect(r.exitCode, `${dir}\n${explain(r)}`).toBe(69);
      expect(r.stdout, explain(r)).toBe('');
      expect(r.stderr, explain(r)).toMatch(new RegExp(`the store ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not writable`));
      expect(await fileHashes(dir)).toEqual(before);
      // Docker was never asked: no container for that project.
      const events = await dockerOk(['events', '--since', String(Math.floor(since.getTime() / 1000) - 1), '--until', String(Math.ceil(Date.now() / 1000)), '--filter', `label=io.cascade-image.project=${project}`]);
      expect(events.trim()).toBe('');
    }
  });

  it('fault: store file that is not a store', async () => {
    const cli = await tempCli();
    const dir = path.join(cli.dir, 'store');
    await fsp.mkdir(dir);
    // A file that is not SQLite at all, and another application's SQLite database.
    const notes = path.join(dir, 'notes.txt');
    writeFileSync(notes, `not a database, just notes\n${'x'.repeat(8192)}\n`);
    const foreign = path.join(dir, 'other-app.db');
    const other = new Database(foreign);
    other.exec("create table notes (id integer primary key, body text); insert into notes (body) values ('keep me')");
    other.close();
    const before = await fileHashes(dir);

    for (const db of [notes, foreign]) {
      for (const args of [['set', 'acme', e2e.images.good, '--create', '--no-validate'], ['show', 'acme'], ['list']]) {
        const r = await cli.run(args, { env: { CASCADE_IMAGE_DB: db } });
        const why = `${path.basename(db)}: cascade-image ${args.join(' ')}\n${explain(r)}`;
        expect(r.exitCode, why).toBe(69);
        expect(r.stdout, why).toBe('');
        expect(r.stderr, why).toMatch(/is not a cascade-image store/);
        expect(await fileHashes(dir), why).toEqual(before);
      }
    }
    expect(readdirSync(dir).sort()).toEqual(['notes.txt', 'other-app.db']);
  });

  it('fault: store from a newer cascade-image', async () => {
    const cli = await tempCli();
    expect((await cli.run(['set', 'acme', e2e.images.good, '--create', '--no-validate'])).exitCode).toBe(0);
    cli.store().tamper('insert into cascade_schema_migrations (name, applied_at) values (?, ?)', '9999_future', new Date().toISOString());
    const dir = path.dirname(cli.db);
    const before = await fileHashes(dir);
    const bytes = readFileSync(cli.db);

    for (const args of [['set', 'acme', e2e.images['no-git']], ['show', 'acme'], ['validate', 'acme'], ['history']]) {
      const r = await cli.run(args);
      expect(r.exitCode, `${args.join(' ')}\n${explain(r)}`).toBe(69);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/has schema 9999_future, newer than this cascade-image understands/);
    }
    expect(await fileHashes(dir)).toEqual(before);
    expect(readFileSync(cli.db).equals(bytes)).toBe(true);
  });
});
