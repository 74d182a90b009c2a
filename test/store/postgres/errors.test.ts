// What an operator reads when the PostgreSQL store cannot be opened: exit 69, the server and the
// database named, a fix: line where one thing repairs it, and never the password of the URL.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { postgresLocation } from '../../../src/config/store-location.js';
import { StoreUnavailableError } from '../../../src/errors.js';
import { openPostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { adminQuery, adminUrl, ensureRole, postgresAvailable } from '../../support/postgres.js';

const PASSWORD = `pw-${randomBytes(9).toString('hex')}`;
const now = () => new Date();

/** A port nothing listens on: one the kernel gave us, given back. */
function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Opens the store at `url`, expecting it refused; returns the refusal. */
async function refusal(url: string): Promise<StoreUnavailableError> {
  const error = await openPostgresStore({ location: postgresLocation(url, {}, 'nobody'), now, create: true, bootstrapActor: 'nobody' }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StoreUnavailableError);
  return error as StoreUnavailableError;
}

function expectNoSecret(error: StoreUnavailableError, secret: string): void {
  expect(error.message).not.toContain(secret);
  expect(error.hint ?? '').not.toContain(secret);
  expect(String(error)).not.toContain(secret);
}

describe('refusals before any server answers', () => {
  it('connection refused on an unused port: exit 69, naming host and database, never the password', async () => {
    const port = await unusedPort();
    const error = await refusal(`postgres://cascade:${PASSWORD}@127.0.0.1:${port}/ci_nowhere?schema=app`);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', exitCode: 69, hintLabel: 'hint' });
    expect(error.message).toBe(`the PostgreSQL server at 127.0.0.1:${port} (database ci_nowhere) cannot be reached: connection refused (is the server running?)`);
    expect(error.hint).toMatch(/server runs/);
    expectNoSecret(error, PASSWORD);
  });
});

describe('refusals by the server', () => {
  const role = `h1_pw_${randomBytes(3).toString('hex')}`;
  const enabled = postgresAvailable();
  const server = () => new URL(adminUrl() ?? 'postgres://x@127.0.0.1/postgres');

  beforeAll(async () => {
    if (enabled) await ensureRole(role, PASSWORD);
  }, 60_000);
  beforeEach((context) => {
    if (!enabled) context.skip('no PostgreSQL server answers here (bash .ci/postgres.sh)');
  });
  afterAll(async () => {
    if (enabled) await adminQuery(`drop role if exists ${role}`);
  }, 60_000);

  it('a wrong password: exit 69 naming the role, with a fix: line, never the password tried', async () => {
    const url = server();
    url.username = role;
    const wrong = `${PASSWORD}-wrong`;
    url.password = wrong;
    url.pathname = '/postgres';
    const error = await refusal(url.toString());
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', exitCode: 69, hintLabel: 'fix' });
    expect(error.message).toBe(`the PostgreSQL server at ${url.host} (database postgres) refused role ${role}: password authentication failed`);
    expect(error.hint).toContain('PGPASSWORD');
    expectNoSecret(error, wrong);
  });

  it('a database that does not exist: exit 69 naming it, with a fix: line, never the password', async () => {
    const url = server();
    const database = `ci_test_missing_${randomBytes(4).toString('hex')}`;
    url.pathname = `/${database}`;
    const secret = decodeURIComponent(url.password);
    const error = await refusal(url.toString());
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', exitCode: 69, hintLabel: 'fix' });
    expect(error.message).toBe(`the PostgreSQL server at ${url.host} (database ${database}): the database ${database} does not exist`);
    expect(error.hint).toContain(`createdb -h ${url.hostname}`);
    expect(error.hint).toContain(database);
    expect(secret).not.toBe('');
    expectNoSecret(error, secret);
    expect(await adminQuery('select 1 from pg_database where datname = $1', [database])).toEqual([]);
  });
});

describe('translation of what the store itself found', () => {
  it('a stored value that does not read back is damage, with a hint to restore, never a bare failure', async () => {
    const { translatePgError } = await import('../../../src/store/postgres/errors.js');
    const { DamagedContentError } = await import('../../../src/store/stored-json.js');
    const location = postgresLocation('postgres://ops:hunter2@db:5432/cascade', {}, 'u');
    const translated = translatePgError(new DamagedContentError('the inventory column of project acme is not valid JSON'), location);
    expect(translated).toBeInstanceOf(StoreUnavailableError);
    expect(translated).toMatchObject({ exitCode: 69, message: 'the PostgreSQL store postgres://ops@db:5432/cascade (schema cascade_image) is damaged: the inventory column of project acme is not valid JSON' });
    expect(translated.hint).toMatch(/restore the schema from a backup/);
    expect(`${translated.message} ${translated.hint}`).not.toContain('hunter2');
  });
});
