// The throwaway PostgreSQL cluster `.ci/postgres.sh` starts, for tests that need a real server.
// Its admin URL comes from CASCADE_TEST_PG_URL, else from the file the script writes. In CI
// (CI=true) a missing server is a failure, never a skip; elsewhere suites skip without one.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';

const URL_FILE = `${process.env.CASCADE_PG_DIR ?? '/var/lib/cascade-pg'}/admin-url`;

/** The admin (superuser) URL of the test cluster, or undefined when there is none here. */
export function adminUrl(): string | undefined {
  if (process.env.CASCADE_TEST_PG_URL) return process.env.CASCADE_TEST_PG_URL;
  try {
    return readFileSync(URL_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Whether the server answers now (a quick connect). */
export function serverAnswers(url: string | undefined = adminUrl()): boolean {
  if (url === undefined) return false;
  try {
    execFileSync('psql', [url, '-tAqc', 'select 1'], { stdio: 'pipe', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether PostgreSQL suites run here: always under CI (where a missing server then fails them,
 * loudly), else only when the test cluster answers.
 */
export function postgresAvailable(): boolean {
  if (process.env.CI === 'true') {
    if (!serverAnswers()) throw new Error(`CI=true but the PostgreSQL test cluster does not answer (run: bash .ci/postgres.sh; admin URL from CASCADE_TEST_PG_URL or ${URL_FILE})`);
    return true;
  }
  return serverAnswers();
}

/** The admin URL with another database (and optionally role/password and query). */
export function urlFor(database: string, options: { role?: string; password?: string; schema?: string } = {}): string {
  const base = adminUrl();
  if (base === undefined) throw new Error('no PostgreSQL test cluster (bash .ci/postgres.sh)');
  const url = new URL(base);
  url.pathname = `/${database}`;
  if (options.role !== undefined) {
    url.username = options.role;
    url.password = options.password ?? '';
  }
  if (options.schema !== undefined) url.searchParams.set('schema', options.schema);
  return url.toString();
}

/** Runs SQL as the cluster's admin on a database (default: postgres). */
export async function adminQuery<Row = Record<string, unknown>>(text: string, params: unknown[] = [], database = 'postgres'): Promise<Row[]> {
  const client = new pg.Client({ connectionString: urlFor(database) });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as Row[];
  } finally {
    await client.end();
  }
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * A new database of the test's own (any role may create schemas in it), dropped by `drop()`.
 * Names start with `ci_test_` so a crashed run's leftovers are recognisable.
 */
export async function createTestDatabase(prefix: string): Promise<{ name: string; url: (options?: { role?: string; password?: string; schema?: string }) => string; drop: () => Promise<void> }> {
  const name = `ci_test_${prefix.replace(/[^a-z0-9_]/g, '_')}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`create database ${quoteIdent(name)}`);
  await adminQuery(`grant all on database ${quoteIdent(name)} to public`);
  return {
    name,
    url: (options) => urlFor(name, options),
    drop: async () => {
      await adminQuery(`drop database if exists ${quoteIdent(name)} with (force)`);
    },
  };
}

/** A login role with a password (created once; the cluster is throwaway), for tests that act as someone. */
export async function ensureRole(role: string, password: string): Promise<void> {
  const exists = await adminQuery('select 1 from pg_roles where rolname = $1', [role]);
  if (exists.length === 0) await adminQuery(`create role ${quoteIdent(role)} login password ${quoteLiteral(password)}`);
  else await adminQuery(`alter role ${quoteIdent(role)} login password ${quoteLiteral(password)}`);
}
