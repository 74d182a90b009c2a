import { join } from 'node:path';

/** The store file: --db, else CASCADE_IMAGE_DB, else $XDG_DATA_HOME/cascade-image/, else ~/.local/share/cascade-image/. */
export function resolveStorePath(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  homedir: string,
): string {
  if (flag !== undefined) return flag;
  const fromEnv = env.CASCADE_IMAGE_DB;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const xdg = env.XDG_DATA_HOME;
  const base = xdg !== undefined && xdg.startsWith('/') ? xdg : join(homedir, '.local', 'share');
  return join(base, 'cascade-image', 'cascade-image.db');
}

/** The actor recorded in the audit log: --actor, else CASCADE_ACTOR, else the OS user. */
export function resolveActor(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, osUser: string): string {
  for (const candidate of [flag, env.CASCADE_ACTOR, osUser]) {
    if (candidate !== undefined && candidate.trim() !== '') return candidate.trim();
  }
  return 'unknown';
}
