import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUNDLE_BANNER, BUNDLE_FOOTER, BundleLoader, cacheDirectory, MAX_CACHES_PER_BUNDLE } from '../../src/boot/index.js';
import { contentHash } from '../../src/boot/content-hash.js';

let dir: string;
let cacheDir: string;
let bundle: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cascade-boot-'));
  cacheDir = join(dir, 'cache');
  bundle = join(dir, 'core.cjs');
});
afterEach(() => {
  chmodSync(dir, 0o700);
  rmSync(dir, { recursive: true, force: true });
});

/** One process's worth of loading: a fresh loader, the bundle's exports, how it was compiled, caches saved. */
function run(options: { cacheDir?: string | undefined; runtimeKey?: string; command?: string; file?: string } = {}) {
  const file = options.file ?? bundle;
  const loader = new BundleLoader({
    cacheDir: 'cacheDir' in options ? options.cacheDir : cacheDir,
    runtimeKey: options.runtimeKey ?? 'node-test',
    pid: 4242,
    command: options.command ?? 'show',
  });
  const exports = loader.load(file) as { answer: () => string };
  const answer = exports.answer();
  const use = loader.cacheUse().get(file);
  loader.saveCaches();
  return { answer, use };
}

/** A bundle as the build writes it (src/boot/bundle-format.ts). */
const bundled = (code: string) => `${BUNDLE_BANNER}\n${code}\n${BUNDLE_FOOTER}\n`;
// Same length, different code: V8 alone would take the first one's cache for the second.
const OLD = bundled("exports.answer = function () { return 'old code'; };");
const NEW = bundled("exports.answer = function () { return 'new code'; };");

const cacheFiles = () => readdirSync(cacheDir);

describe('the code cache', () => {
  it('is written on the first run and used on the next', () => {
    writeFileSync(bundle, OLD);
    expect(run()).toEqual({ answer: 'old code', use: 'miss' });
    expect(cacheFiles()).toHaveLength(1);
    expect(run()).toEqual({ answer: 'old code', use: 'hit' });
  });

  it('never runs stale code: a changed bundle of the same length does not use the old cache', () => {
    writeFileSync(bundle, OLD);
    run();
    writeFileSync(bundle, NEW);
    expect(NEW.length).toBe(OLD.length);
    expect(run()).toEqual({ answer: 'new code', use: 'miss' });
    // …and the cache now holds the new bundle's code.
    expect(run()).toEqual({ answer: 'new code', use: 'hit' });
  });

  it('guards against what V8 itself accepts: another source of the same length with the old cache', () => {
    const original = new Script(OLD, { filename: join(dir, 'v8-only.cjs') });
    const compiled: { answer?: () => string } = {};
    (original.runInThisContext() as (e: object) => void)(compiled);
    compiled.answer?.(); // compiled now, so the cache holds it (the loader saves at exit, after the run)
    const data = original.createCachedData();
    const reused = new Script(NEW, { filename: join(dir, 'v8-only.cjs'), cachedData: data });
    expect(reused.cachedDataRejected).toBe(false);
    const exports: { answer?: () => string } = {};
    (reused.runInThisContext() as (e: object) => void)(exports);
    expect(exports.answer?.()).toBe('old code');
  });

  it('is kept apart per runtime (Node version, flags): another runtime neither uses nor evicts it', () => {
    writeFileSync(bundle, OLD);
    run({ runtimeKey: 'node-a' });
    expect(run({ runtimeKey: 'node-b' }).use).toBe('miss');
    expect(cacheFiles()).toHaveLength(2);
    expect(run({ runtimeKey: 'node-a' }).use).toBe('hit');
  });

  it('ignores a corrupt cache file (a flipped byte in the payload, a truncated file, garbage) and replaces it', () => {
    writeFileSync(bundle, OLD);
    run();
    const [name] = cacheFiles();
    const file = join(cacheDir, name ?? '');
    const good = readFileSync(file);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 10] = (flipped[flipped.length - 10] ?? 0) ^ 0xff;
    for (const damaged of [flipped, good.subarray(0, good.length - 100), good.subarray(0, 20), Buffer.from('not a cache at all'), Buffer.alloc(0)]) {
      writeFileSync(file, damaged);
      expect(run()).toEqual({ answer: 'old code', use: 'miss' });
      expect(run().use).toBe('hit');
    }
  });

  it("ignores a foreign cache file: another bundle's cache under this bundle's name", () => {
    const other = join(dir, 'other.cjs');
    writeFileSync(other, NEW);
    const otherLoader = new BundleLoader({ cacheDir, runtimeKey: 'node-test', pid: 1, command: 'show' });
    otherLoader.load(other);
    otherLoader.saveCaches();
    const [otherCache] = cacheFiles();
    writeFileSync(bundle, OLD);
    writeFileSync(join(cacheDir, (otherCache ?? '').replace('other.cjs', 'core.cjs')), readFileSync(join(cacheDir, otherCache ?? '')));
    expect(run()).toEqual({ answer: 'old code', use: 'miss' });
  });

  it('writes atomically: no temporary file is left, and the file is private to the user', () => {
    writeFileSync(bundle, OLD);
    run();
    expect(cacheFiles().filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(readdirSync(cacheDir).map((f) => readFileSync(join(cacheDir, f)).length > 0)).toEqual([true]);
  });

  it('only costs speed when the cache folder cannot be created or written', () => {
    writeFileSync(bundle, OLD);
    const notAFolder = join(dir, 'a-file');
    writeFileSync(notAFolder, '');
    expect(run({ cacheDir: join(notAFolder, 'cache') })).toEqual({ answer: 'old code', use: 'miss' });
    mkdirSync(cacheDir);
    chmodSync(cacheDir, 0o500);
    expect(run().answer).toBe('old code');
    chmodSync(cacheDir, 0o700);
  });

  it('only costs speed when the cache folder cannot be read', () => {
    writeFileSync(bundle, OLD);
    run();
    chmodSync(cacheDir, 0o000);
    expect(run().answer).toBe('old code');
    chmodSync(cacheDir, 0o700);
  });

  it('runs without a cache when there is no cache folder (no HOME, no XDG_CACHE_HOME)', () => {
    writeFileSync(bundle, OLD);
    expect(run({ cacheDir: undefined })).toEqual({ answer: 'old code', use: 'off' });
  });
});

describe('where the cache lives', () => {
  it('is $XDG_CACHE_HOME/cascade-image, else ~/.cache/cascade-image, else nowhere', () => {
    expect(cacheDirectory({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/a' })).toBe('/x/cache/cascade-image');
    expect(cacheDirectory({ HOME: '/home/a' })).toBe('/home/a/.cache/cascade-image');
    // A relative XDG_CACHE_HOME is invalid by the XDG spec and ignored, as are empty values.
    expect(cacheDirectory({ XDG_CACHE_HOME: 'rel', HOME: '/home/a' })).toBe('/home/a/.cache/cascade-image');
    expect(cacheDirectory({ XDG_CACHE_HOME: '', HOME: '' })).toBeUndefined();
    expect(cacheDirectory({})).toBeUndefined();
  });
});

describe('the content hash', () => {
  it('tells apart inputs of the same length, and is stable', () => {
    expect(contentHash(Buffer.from(OLD))).not.toBe(contentHash(Buffer.from(NEW)));
    expect(contentHash(Buffer.from(OLD))).toBe(contentHash(Buffer.from(OLD)));
    expect(contentHash(Buffer.from('a'))).not.toBe(contentHash(Buffer.from('a\0')));
    const big = Buffer.alloc(300_000, 7);
    const before = contentHash(big);
    big[150_001] = 8;
    expect(contentHash(big)).not.toBe(before);
    expect(contentHash(big)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('a cache per command and per install', () => {
  it("is kept per command: one command's run neither uses nor replaces another's cache", () => {
    writeFileSync(bundle, OLD);
    expect(run({ command: 'set' }).use).toBe('miss');
    expect(run({ command: 'show' }).use).toBe('miss');
    const afterShow = cacheFiles().map((f) => readFileSync(join(cacheDir, f)));
    expect(afterShow).toHaveLength(2);
    expect(run({ command: 'set' }).use).toBe('hit');
    expect(run({ command: 'show' }).use).toBe('hit');
    // A hit writes nothing.
    expect(cacheFiles().map((f) => readFileSync(join(cacheDir, f)))).toEqual(afterShow);
  });

  it('names a command only by a command-like word: anything else (a path, nothing) shares one cache', () => {
    writeFileSync(bundle, OLD);
    expect(run({ command: '/tmp/x.db' }).use).toBe('miss');
    expect(run({ command: '' }).use).toBe('hit');
    expect(run({ command: '../../etc' }).use).toBe('hit');
    expect(cacheFiles()).toHaveLength(1);
    expect(cacheFiles()[0]).toMatch(/^core\.cjs\.[0-9a-f]{16}\.-\.v8cache$/);
  });

  it('is kept per install: two copies of the bundle (two versions installed) do not evict each other', () => {
    const second = join(dir, 'other-install', 'core.cjs');
    mkdirSync(join(dir, 'other-install'));
    writeFileSync(bundle, OLD);
    writeFileSync(second, NEW);
    run();
    expect(run({ file: second })).toEqual({ answer: 'new code', use: 'miss' });
    expect(run()).toEqual({ answer: 'old code', use: 'hit' });
    expect(run({ file: second })).toEqual({ answer: 'new code', use: 'hit' });
    expect(cacheFiles()).toHaveLength(2);
  });

  it('stops adding caches for new command words at a bound (typos), but still replaces a damaged one', () => {
    writeFileSync(bundle, OLD);
    for (let i = 0; i < MAX_CACHES_PER_BUNDLE; i += 1) run({ command: `word${i}` });
    expect(cacheFiles()).toHaveLength(MAX_CACHES_PER_BUNDLE);
    expect(run({ command: 'one-more' })).toEqual({ answer: 'old code', use: 'miss' });
    expect(cacheFiles()).toHaveLength(MAX_CACHES_PER_BUNDLE);
    const damagedName = cacheFiles().find((f) => f.includes('.word3.')) ?? '';
    writeFileSync(join(cacheDir, damagedName), 'damaged');
    expect(run({ command: 'word3' }).use).toBe('miss');
    expect(run({ command: 'word3' }).use).toBe('hit');
  });
});
