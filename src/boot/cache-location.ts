import { isAbsolute, join } from 'node:path';

/**
 * Where the code caches go: `$XDG_CACHE_HOME/cascade-image`, else `~/.cache/cascade-image`.
 * Without either (no HOME, e.g. under some service managers) there is no cache, only a slower start.
 */
export function cacheDirectory(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'cascade-image');
  const home = env.HOME;
  if (home !== undefined && isAbsolute(home)) return join(home, '.cache', 'cascade-image');
  return undefined;
}

/** Everything besides the source that decides whether V8 can use a cache: versions, CPU, flags. */
export function runtimeKey(facts: {
  readonly version: string;
  readonly v8: string;
  readonly arch: string;
  readonly execArgv: readonly string[];
  readonly nodeOptions: string | undefined;
}): string {
  return JSON.stringify([facts.version, facts.v8, facts.arch, facts.execArgv, facts.nodeOptions ?? '']);
}
