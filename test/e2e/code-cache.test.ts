// The installed command's code cache, as a user meets it: written where the XDG spec says, used
// from then on, and never in the way — a missing, unwritable or damaged cache only costs speed.
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { explain, tempCli } from './support/cli.js';

const REF = ['ref', 'alpine:3.20'];

describe('the code cache of the installed command', () => {
  it('is written to $XDG_CACHE_HOME/cascade-image on the first run and the next runs work from it', async () => {
    const cli = await tempCli();
    const cache = path.join(cli.dir, 'cache');
    const first = await cli.run(REF, { env: { XDG_CACHE_HOME: cache } });
    expect(first.exitCode, explain(first)).toBe(0);
    const files = readdirSync(path.join(cache, 'cascade-image'));
    expect(files.some((f) => f.startsWith('cascade-image.cjs.') && f.endsWith('.v8cache'))).toBe(true);
    const again = await cli.run(REF, { env: { XDG_CACHE_HOME: cache } });
    expect(again.stdout).toBe(first.stdout);
  });

  it('is one file per bundle and command, and a read (list, show) runs the start bundle alone', async () => {
    const cli = await tempCli();
    const cache = path.join(cli.dir, 'cache');
    const env = { XDG_CACHE_HOME: cache };
    const created = await cli.run(['create', 'p1', '--worker-image', 'alpine:3.20', '--no-validate'], { env });
    expect(created.exitCode, explain(created)).toBe(0);
    const afterCreate = readdirSync(path.join(cache, 'cascade-image'));
    for (const command of ['list', 'show']) {
      const r = await cli.run(command === 'show' ? ['show', 'p1'] : ['list'], { env });
      expect(r.exitCode, explain(r)).toBe(0);
      expect(r.stdout).toContain('p1');
    }
    const added = readdirSync(path.join(cache, 'cascade-image')).filter((f) => !afterCreate.includes(f));
    // No second bundle, no library bundle: only the start, once per command.
    expect(added.map((f) => f.replace(/\.[0-9a-f]{16}\./, '.<install>.')).sort()).toEqual(['cascade-image.cjs.<install>.list.v8cache', 'cascade-image.cjs.<install>.show.v8cache']);
    // `create` (a change) needed the rest of the code and the store's query builder.
    expect(afterCreate.some((f) => f.startsWith('cascade-image-more.cjs.') && f.includes('.create.'))).toBe(true);
    expect(afterCreate.some((f) => f.startsWith('kysely.cjs.'))).toBe(true);
  });

  it('falls back to ~/.cache/cascade-image, and works with neither HOME nor XDG_CACHE_HOME set', async () => {
    const cli = await tempCli();
    const home = path.join(cli.dir, 'home');
    const viaHome = await cli.run(REF, { env: { XDG_CACHE_HOME: undefined, HOME: home } });
    expect(viaHome.exitCode, explain(viaHome)).toBe(0);
    expect(readdirSync(path.join(home, '.cache', 'cascade-image')).length).toBeGreaterThan(0);
    const bare = await cli.run(REF, { env: { XDG_CACHE_HOME: undefined, HOME: undefined } });
    expect(bare.exitCode, explain(bare)).toBe(0);
    expect(bare.stdout).toBe(viaHome.stdout);
  });

  it('only costs speed when the cache folder cannot be created, written or read', async () => {
    const cli = await tempCli();
    const blocker = path.join(cli.dir, 'not-a-folder');
    writeFileSync(blocker, '');
    const blocked = await cli.run(REF, { env: { XDG_CACHE_HOME: blocker } });
    expect(blocked.exitCode, explain(blocked)).toBe(0);
    expect(blocked.stderr).toBe('');

    const locked = path.join(cli.dir, 'locked');
    mkdirSync(path.join(locked, 'cascade-image'), { recursive: true });
    chmodSync(path.join(locked, 'cascade-image'), 0o000);
    try {
      const r = await cli.run(REF, { env: { XDG_CACHE_HOME: locked } });
      expect(r.exitCode, explain(r)).toBe(0);
      expect(r.stderr).toBe('');
    } finally {
      chmodSync(path.join(locked, 'cascade-image'), 0o700);
    }
  });

  it('ignores a damaged cache file and replaces it', async () => {
    const cli = await tempCli();
    const cache = path.join(cli.dir, 'cache');
    await cli.run(REF, { env: { XDG_CACHE_HOME: cache } });
    const dir = path.join(cache, 'cascade-image');
    const core = readdirSync(dir).find((f) => f.startsWith('cascade-image.cjs.')) ?? '';
    const good = readFileSync(path.join(dir, core));
    const damaged = Buffer.from(good);
    for (let i = good.length - 4000; i < good.length; i += 7) damaged[i] = (damaged[i] ?? 0) ^ 0x5a;
    writeFileSync(path.join(dir, core), damaged);
    const r = await cli.run(REF, { env: { XDG_CACHE_HOME: cache } });
    expect(r.exitCode, explain(r)).toBe(0);
    expect(readFileSync(path.join(dir, core)).equals(damaged)).toBe(false);
  });
});
