import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { Script } from 'node:vm';
import { contentHash } from './content-hash.js';

export interface BundleLoaderOptions {
  /** Where code caches are kept; undefined: none are read or written (only speed is lost). */
  readonly cacheDir: string | undefined;
  /** What else a cache depends on: Node and V8 versions, architecture, flags. */
  readonly runtimeKey: string;
  /** For the temporary file a cache is written to before it is renamed into place. */
  readonly pid: number;
}

/** How a bundle was compiled, for tests and diagnostics. */
export type CacheUse = 'hit' | 'miss' | 'rejected' | 'off';

interface Loaded {
  readonly module: { exports: unknown };
  readonly script: Script;
  readonly cacheFile: string | undefined;
  readonly key: string;
  readonly use: CacheUse;
  /** The kinds of run (commands) whose compiled functions the cache already holds. */
  readonly labels: readonly string[];
}

/** A cache stops growing after this many kinds of run: it then holds what nearly every command uses. */
const MAX_LABELS = 24;

const MAGIC = 'cascade-image code cache 2';
// The bundle's code starts on the wrapper's second line, so its line numbers (and source maps) hold.
const WRAPPER = '(function (exports, require, module, __filename, __dirname) {\n';

/**
 * Runs the CommonJS bundles of dist/ through V8's code cache. V8 checks a cache only against the
 * source's length, so each cache file records the content hash of the bundle it was made from,
 * the runtime key, and the hash of its own payload; a cache whose record does not match is
 * never handed to V8. Caches are written once per bundle, at exit (so they hold the functions
 * that run compiled), to a temporary file renamed into place; any failure to read or write one
 * only costs the compile.
 */
export class BundleLoader {
  private readonly loaded = new Map<string, Loaded>();
  private readonly runtimeHash: string | undefined;

  constructor(private readonly options: BundleLoaderOptions) {
    this.runtimeHash = contentHash(Buffer.from(options.runtimeKey));
  }

  /** The bundle's exports; a bundle's `require('./x.cjs')` of a sibling bundle comes back here. */
  load(file: string): unknown {
    const known = this.loaded.get(file);
    if (known !== undefined) return known.module.exports;
    const source = readFileSync(file);
    const bundleHash = this.options.cacheDir === undefined || this.runtimeHash === undefined ? undefined : contentHash(source);
    const key = `${bundleHash} ${this.runtimeHash}`;
    // One file per bundle and runtime: two Node versions in turn do not evict each other's.
    const cacheFile =
      this.options.cacheDir === undefined || bundleHash === undefined ? undefined : join(this.options.cacheDir, `${basename(file)}.${this.runtimeHash}.v8cache`);
    const cached = cacheFile === undefined ? undefined : readCache(cacheFile, key);
    const cachedData = cached?.payload;
    const script = new Script(`${WRAPPER}${source.toString('utf8')}\n})`, {
      filename: file,
      lineOffset: -1,
      ...(cachedData === undefined ? {} : { cachedData }),
    });
    const use: CacheUse = cacheFile === undefined ? 'off' : cachedData === undefined ? 'miss' : script.cachedDataRejected === true ? 'rejected' : 'hit';
    const module = { exports: {} as unknown };
    this.loaded.set(file, { module, script, cacheFile, key, use, labels: use === 'hit' ? (cached?.labels ?? []) : [] });
    const nodeRequire = createRequire(file);
    const bundleRequire = Object.assign(
      (id: string) => (id.startsWith('.') && id.endsWith('.cjs') ? this.load(resolve(dirname(file), id)) : nodeRequire(id)),
      { resolve: nodeRequire.resolve, cache: nodeRequire.cache },
    );
    (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, bundleRequire, module, file, dirname(file));
    return module.exports;
  }

  /** How each loaded bundle was compiled. */
  cacheUse(): ReadonlyMap<string, CacheUse> {
    return new Map([...this.loaded].map(([file, loaded]) => [file, loaded.use]));
  }

  /**
   * Writes the caches this run lacked, and rewrites one this kind of run (`label`, e.g. the
   * command) has not been through yet: V8 compiles a function when it first runs, so a cache made
   * by `set` lacks what `show` runs; made at the exit of a run that started from it, it holds
   * both. Call at exit; never throws.
   */
  saveCaches(label = ''): void {
    const named = /^[a-z][a-z0-9-]{0,31}$/.test(label);
    for (const { script, cacheFile, key, use, labels } of this.loaded.values()) {
      if (cacheFile === undefined) continue;
      if (use === 'hit' && (!named || labels.includes(label) || labels.length >= MAX_LABELS)) continue;
      const covered = named && !labels.includes(label) ? [...labels, label] : [...labels];
      const temporary = `${cacheFile}.${this.options.pid}.tmp`;
      try {
        const payload = script.createCachedData();
        if (contentHash(payload) === undefined) continue;
        const header = `${MAGIC} ${key} ${covered.join(',') || '-'} ${contentHash(payload)} ${payload.length}\n`;
        mkdirSync(dirname(cacheFile), { recursive: true, mode: 0o700 });
        writeFileSync(temporary, Buffer.concat([Buffer.from(header, 'latin1'), payload]), { mode: 0o600 });
        renameSync(temporary, cacheFile);
      } catch {
        try {
          rmSync(temporary, { force: true });
        } catch {
          // The folder itself is unusable: nothing was written.
        }
      }
    }
  }
}

/** The payload of a cache file made for exactly this bundle and runtime, intact; else undefined. */
function readCache(cacheFile: string, key: string): { payload: Buffer; labels: string[] } | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const end = bytes.indexOf(0x0a);
  if (end < 0 || end > 512) return undefined;
  const fields = bytes.toString('latin1', 0, end).split(' ');
  const [labels = '', payloadHash, payloadLength] = fields.slice(-3);
  if (fields.slice(0, -3).join(' ') !== `${MAGIC} ${key}`) return undefined;
  const payload = bytes.subarray(end + 1);
  if (String(payload.length) !== payloadLength || contentHash(payload) !== payloadHash) return undefined;
  return { payload, labels: labels === '-' ? [] : labels.split(',') };
}
