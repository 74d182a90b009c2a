import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
  /** The command this run is (cli/command-word.ts): each has a cache of its own. */
  readonly command?: string;
}

/** How a bundle was compiled, for tests and diagnostics. */
export type CacheUse = 'hit' | 'miss' | 'rejected' | 'off';

interface Loaded {
  readonly module: { exports: unknown };
  readonly script: Script;
  readonly cacheFile: string | undefined;
  readonly key: string;
  readonly use: CacheUse;
}

const MAGIC = 'cascade-image code cache 3';
/**
 * Caches one bundle of one install keeps at most: the commands there are, and then some. The
 * command word is whatever the user typed first (a typo too), so without a bound the folder would
 * grow by a file per mistyped command.
 */
export const MAX_CACHES_PER_BUNDLE = 40;

/**
 * Runs the bundles of dist/ (see bundle-format.ts) through V8's code cache. V8 checks a cache only
 * against the source's length, so each cache file records the content hash of the bundle it was
 * made from, the runtime key, and the hash of its own payload; a cache whose record does not match
 * is never handed to V8 (which, in release builds, does not checksum a cache and can crash on a
 * damaged one).
 *
 * One cache file per bundle, install, runtime and command: V8 compiles a function when it first
 * runs and a cache holds what its run compiled, so a cache per command holds what that command
 * runs and no more (a `show` does not deserialize what `set` and `validate` compiled), and two
 * installs or two Node versions never evict each other's. A cache is written at the exit of the
 * run that lacked it, to a temporary file renamed into place; any failure to read or write one
 * only costs the compile.
 */
export class BundleLoader {
  private readonly loaded = new Map<string, Loaded>();
  private readonly runtimeHash: string | undefined;
  private readonly label: string;

  constructor(private readonly options: BundleLoaderOptions) {
    this.runtimeHash = contentHash(Buffer.from(options.runtimeKey));
    this.label = /^[a-z][a-z0-9-]{0,31}$/.test(options.command ?? '') ? (options.command ?? '') : '-';
  }

  /** The bundle's exports; a bundle's `require('./x.cjs')` of a sibling bundle comes back here. */
  load(file: string): unknown {
    const known = this.loaded.get(file);
    if (known !== undefined) return known.module.exports;
    const source = readFileSync(file);
    const cacheFile = this.cacheFileOf(file);
    const key = cacheFile === undefined ? '' : `${contentHash(source)} ${this.runtimeHash}`;
    const cachedData = cacheFile === undefined ? undefined : readCache(cacheFile, key);
    const script = new Script(source.toString('utf8'), { filename: file, ...(cachedData === undefined ? {} : { cachedData }) });
    const use: CacheUse = cacheFile === undefined ? 'off' : cachedData === undefined ? 'miss' : script.cachedDataRejected === true ? 'rejected' : 'hit';
    const module = { exports: {} as unknown };
    this.loaded.set(file, { module, script, cacheFile, key, use });
    const nodeRequire = createRequire(file);
    const bundleRequire = Object.assign(
      (id: string) => (id.startsWith('.') && id.endsWith('.cjs') ? this.load(resolve(dirname(file), id)) : nodeRequire(id)),
      { resolve: nodeRequire.resolve, cache: nodeRequire.cache },
    );
    (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, bundleRequire, module, file, dirname(file));
    return module.exports;
  }

  /** `<bundle>.<install and runtime>.<command>.v8cache`, or undefined when there is no cache folder or no WebAssembly. */
  private cacheFileOf(file: string): string | undefined {
    if (this.options.cacheDir === undefined || this.runtimeHash === undefined) return undefined;
    const where = contentHash(Buffer.from(`${dirname(file)}\0${this.options.runtimeKey}`));
    return join(this.options.cacheDir, `${basename(file)}.${where}.${this.label}.v8cache`);
  }

  /** How each loaded bundle was compiled. */
  cacheUse(): ReadonlyMap<string, CacheUse> {
    return new Map([...this.loaded].map(([file, loaded]) => [file, loaded.use]));
  }

  /** Writes the caches this run lacked (or had rejected). Call at exit; never throws. */
  saveCaches(): void {
    for (const { script, cacheFile, key, use } of this.loaded.values()) {
      if (cacheFile === undefined || use === 'hit') continue;
      if (use === 'miss' && !existsSync(cacheFile) && cachesOfBundle(cacheFile) >= MAX_CACHES_PER_BUNDLE) continue;
      const temporary = `${cacheFile}.${this.options.pid}.tmp`;
      try {
        const payload = script.createCachedData();
        const payloadHash = contentHash(payload);
        if (payloadHash === undefined) continue;
        const header = `${MAGIC} ${key} ${payloadHash} ${payload.length}\n`;
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

/** How many caches the folder holds for this bundle and install (any command); 0 when it cannot be read. */
function cachesOfBundle(cacheFile: string): number {
  const prefix = basename(cacheFile).split('.').slice(0, -2).join('.');
  try {
    return readdirSync(dirname(cacheFile)).filter((name) => name.startsWith(`${prefix}.`) && name.endsWith('.v8cache')).length;
  } catch {
    return 0;
  }
}

/** The payload of a cache file made for exactly this bundle and runtime, intact; else undefined. */
function readCache(cacheFile: string, key: string): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const end = bytes.indexOf(0x0a);
  if (end < 0 || end > 512) return undefined;
  const fields = bytes.toString('latin1', 0, end).split(' ');
  const [payloadHash, payloadLength] = fields.slice(-2);
  if (fields.slice(0, -2).join(' ') !== `${MAGIC} ${key}`) return undefined;
  const payload = bytes.subarray(end + 1);
  if (String(payload.length) !== payloadLength || contentHash(payload) !== payloadHash) return undefined;
  return payload;
}
