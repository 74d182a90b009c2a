import { join } from 'node:path';
import type { OsUser } from './paths.js';

/**
 * Where the store lives: a SQLite file (the embedded default) or a PostgreSQL schema, chosen by
 * the `--db` / CASCADE_IMAGE_DB value. A postgres:// or postgresql:// URL is the server's; anything
 * else is a file path.
 */
export type StoreLocation = SqliteLocation | PostgresLocation;

export interface SqliteLocation {
  readonly kind: 'sqlite';
  readonly path: string;
}

export interface PostgresLocation {
  readonly kind: 'postgres';
  /** The URL for the client, without our own `schema` parameter. It may hold a password: never shown. */
  readonly url: string;
  /** What messages name: `postgres://role@host:port/database`, with no password and no parameters. */
  readonly shown: string;
  readonly schema: string;
  /** The role the client authenticates as, as libpq picks it: the URL's user, else PGUSER, else the OS user. */
  readonly role: string;
  readonly host: string;
  readonly database: string;
}

export const DEFAULT_SCHEMA = 'cascade_image';

/** A schema name we create and quote ourselves: lower-case letters, digits and underscores. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export class StoreLocationError extends Error {}

export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

/** The store --db / CASCADE_IMAGE_DB names, else the default file under $XDG_DATA_HOME (or ~/.local/share). */
export function resolveStoreLocation(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  os: OsUser & { readonly homedir: string },
): StoreLocation {
  const given = flag ?? (env.CASCADE_IMAGE_DB === '' ? undefined : env.CASCADE_IMAGE_DB);
  if (given !== undefined && isPostgresUrl(given)) return postgresLocation(given, env, os.username);
  if (given !== undefined) return { kind: 'sqlite', path: given };
  const xdg = env.XDG_DATA_HOME;
  const base = xdg !== undefined && xdg.startsWith('/') ? xdg : join(os.homedir, '.local', 'share');
  return { kind: 'sqlite', path: join(base, 'cascade-image', 'cascade-image.db') };
}

/** Reads a postgres:// URL (libpq's URI form). Throws StoreLocationError, whose message never holds the password. */
export function postgresLocation(value: string, env: Readonly<Record<string, string | undefined>>, osUser: string): PostgresLocation {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new StoreLocationError('the PostgreSQL URL cannot be read: expected postgres://[role[:password]@]host[:port]/database[?sslmode=…&schema=…]');
  }
  const schema = url.searchParams.get('schema') ?? DEFAULT_SCHEMA;
  if (!SCHEMA_NAME.test(schema)) {
    throw new StoreLocationError(`the schema ${JSON.stringify(schema)} is not a plain name: use lower-case letters, digits and underscores`);
  }
  url.searchParams.delete('schema');
  const param = (name: string) => url.searchParams.get(name) ?? undefined;
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  const host = decode(url.hostname) || param('host') || env.PGHOST || 'localhost';
  const port = url.port || param('port') || env.PGPORT || '5432';
  const database = decode(url.pathname.replace(/^\//, '')) || param('dbname') || env.PGDATABASE || '';
  const role = decode(url.username) || param('user') || env.PGUSER || osUser;
  if (database === '' && role === '') throw new StoreLocationError('the PostgreSQL URL names no database: add /<database> to it');
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    kind: 'postgres',
    url: url.toString(),
    shown: `postgres://${role}@${shownHost}:${port}/${database || role}`,
    schema,
    role,
    host: `${shownHost}:${port}`,
    database: database || role,
  };
}
