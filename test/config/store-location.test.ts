import { describe, expect, it } from 'vitest';
import { isPostgresUrl, postgresLocation, resolveStoreLocation, StoreLocationError } from '../../src/config/store-location.js';

describe('resolveStoreLocation: a file path', () => {
  it.each([
    ['/flag.db', { CASCADE_IMAGE_DB: '/env.db', XDG_DATA_HOME: '/xdg' }, '/flag.db'],
    [undefined, { CASCADE_IMAGE_DB: '/env.db', XDG_DATA_HOME: '/xdg' }, '/env.db'],
    [undefined, { CASCADE_IMAGE_DB: '', XDG_DATA_HOME: '/xdg' }, '/xdg/cascade-image/cascade-image.db'],
    [undefined, { XDG_DATA_HOME: '/xdg' }, '/xdg/cascade-image/cascade-image.db'],
    [undefined, { XDG_DATA_HOME: 'relative' }, '/home/u/.local/share/cascade-image/cascade-image.db'],
    [undefined, {}, '/home/u/.local/share/cascade-image/cascade-image.db'],
    // Not a URL of ours: a file whose name merely starts like one.
    ['postgres.db', {}, 'postgres.db'],
  ])('--db %s with %j → %s', (flag, env, expected) => expect(resolveStoreLocation(flag, env, { homedir: '/home/u', username: 'u' })).toEqual({ kind: 'sqlite', path: expected }));
});

describe('resolveStoreLocation: a PostgreSQL URL', () => {
  it('takes postgres:// and postgresql://, from the flag or CASCADE_IMAGE_DB', () => {
    expect(resolveStoreLocation('postgres://ops@db.internal:5433/cascade', {}, { homedir: '/h', username: 'u' })).toMatchObject({ kind: 'postgres', role: 'ops', host: 'db.internal:5433', database: 'cascade', schema: 'cascade_image' });
    expect(resolveStoreLocation(undefined, { CASCADE_IMAGE_DB: 'postgresql://ops@db/cascade' }, { homedir: '/h', username: 'u' })).toMatchObject({ kind: 'postgres', host: 'db:5432' });
    expect(isPostgresUrl('POSTGRES://x')).toBe(true);
    expect(isPostgresUrl('/var/lib/postgres://x')).toBe(false);
  });

  it('never shows the password, nor any parameter, in what messages name', () => {
    const location = postgresLocation('postgres://ops:s3cr%40t@db:5432/cascade?sslmode=require&password=other&schema=team_a', {}, 'u');
    expect(location.shown).toBe('postgres://ops@db:5432/cascade');
    expect(JSON.stringify({ ...location, url: undefined })).not.toMatch(/s3cr|other/);
    expect(location.schema).toBe('team_a');
    // Our own parameter is not passed to the client; libpq's are.
    expect(location.url).not.toContain('schema=');
    expect(location.url).toContain('sslmode=require');
  });

  it('picks the role and database as libpq does: the URL, else PGUSER / PGDATABASE, else the OS user', () => {
    expect(postgresLocation('postgres://db/', { PGUSER: 'cron', PGDATABASE: 'images' }, 'u')).toMatchObject({ role: 'cron', database: 'images' });
    expect(postgresLocation('postgres://db', {}, 'u')).toMatchObject({ role: 'u', database: 'u' });
    expect(postgresLocation('postgres://%61lice@db/x', {}, 'u').role).toBe('alice');
  });

  it.each([
    ['postgres://db/x?schema=Team', /not a plain name/],
    ['postgres://db/x?schema=a;drop', /not a plain name/],
    ['postgres://[::1/x', /cannot be read/],
  ])('refuses %s', (url, message) => {
    expect(() => postgresLocation(url, {}, 'u')).toThrow(StoreLocationError);
    expect(() => postgresLocation(url, {}, 'u')).toThrow(message);
  });
});
