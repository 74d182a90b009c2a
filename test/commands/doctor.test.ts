import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lazy } from '../../src/commands/deps.js';
import { doctor, type DoctorCheck, type DoctorDeps, type DoctorStore } from '../../src/commands/doctor.js';
import { DockerFailure, StoreSchemaTooNewError, StoreUnavailableError, UsageError } from '../../src/errors.js';
import type { RegistryCredentials } from '../../src/ports/credentials.js';
import type { StoreDescription, StorePort } from '../../src/ports/store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { FakeDocker } from '../support/fake-docker.js';
import { ADMIN } from '../support/store.js';
import { neverOpened } from './support.js';

let dir: string;
let opened: StorePort[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'doctor-'));
  opened = [];
});
afterEach(async () => {
  for (const store of opened) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const anonymous: RegistryCredentials = {
  forRegistry: async () => undefined,
  describeSource: async (domain) => `no credentials for ${domain} in ~/.docker/config.json: pulls are anonymous`,
};

/** A SQLite store at `path` (default: store.db in the test's folder), opened on demand. */
function sqlite(options: { path?: string; open?: Lazy<StorePort> } = {}): DoctorStore {
  const path = options.path ?? join(dir, 'store.db');
  return {
    kind: 'sqlite',
    path,
    exists: () => existsSync(path),
    open:
      options.open ??
      (async () => {
        const store = await openSqliteStore({ path, now: () => new Date() });
        opened.push(store);
        return store;
      }),
  };
}

function deps(overrides: Partial<DoctorDeps> = {}): DoctorDeps {
  return {
    endpoint: () => 'unix:///var/run/docker.sock',
    docker: async () => new FakeDocker(),
    store: sqlite(),
    credentials: anonymous,
    httpStatus: async () => {
      throw new Error('no network in unit tests');
    },
    ...overrides,
  };
}

const check = (checks: readonly DoctorCheck[], name: string): DoctorCheck | undefined => checks.find((found) => found.name === name);

describe('doctor', () => {
  it('is ok with an answering engine and a store that will be created, without creating it', async () => {
    const store = neverOpened<StorePort>('the store');
    const report = await doctor({ registries: [] }, deps({ store: sqlite({ open: store }) }));

    expect(report).toMatchObject({ ok: true, engineUnavailable: false });
    expect(report.store).toBeUndefined();
    expect(report.checks.map((found) => [found.name, found.ok])).toEqual([
      ['engine', true],
      ['store', true],
    ]);
    expect(check(report.checks, 'engine')?.detail).toContain('unix:///var/run/docker.sock answers');
    expect(check(report.checks, 'store')?.detail).toMatch(/does not exist yet; it will be created/);
    expect(store.calls).toBe(0);
    expect(existsSync(join(dir, 'store.db'))).toBe(false);
  });

  it('checks the schema of an existing store', async () => {
    const path = join(dir, 'store.db');
    await (await openSqliteStore({ path, now: () => new Date(), bootstrapActor: ADMIN })).close();
    const report = await doctor({ registries: [] }, deps({ store: sqlite({ path }) }));

    expect(report.ok).toBe(true);
    expect(check(report.checks, 'store')).toEqual({ name: 'store', ok: true, detail: `${path} is writable`, fix: null });
    expect(check(report.checks, 'schema')).toMatchObject({ ok: true, detail: expect.stringContaining('(current)') });
  });

  it('reports a schema the store refuses, with its hint as the fix', async () => {
    writeFileSync(join(dir, 'store.db'), '');
    const store = async (): Promise<StorePort> => {
      throw new StoreSchemaTooNewError('the store has schema 9999, newer than this cascade-image understands', { hint: 'upgrade cascade-image' });
    };
    const report = await doctor({ registries: [] }, deps({ store: sqlite({ open: store }) }));
    expect(report).toMatchObject({ ok: false, engineUnavailable: false });
    expect(check(report.checks, 'schema')).toMatchObject({ ok: false, detail: expect.stringContaining('newer'), fix: 'upgrade cascade-image' });
  });

  it('reports a store path under a file as not ok', async () => {
    writeFileSync(join(dir, 'plain-file'), '');
    const report = await doctor({ registries: [] }, deps({ store: sqlite({ path: join(dir, 'plain-file', 'store.db') }) }));
    expect(report.ok).toBe(false);
    expect(check(report.checks, 'store')).toMatchObject({ ok: false, detail: expect.stringContaining('is a file, not a folder'), fix: expect.any(String) });
  });

  it('reports an engine that does not answer: engineUnavailable, not ok, with a fix', async () => {
    const docker = new FakeDocker();
    docker.engineDown = true;
    const report = await doctor({ registries: [] }, deps({ docker: async () => docker }));

    expect(report).toMatchObject({ ok: false, engineUnavailable: true });
    const engine = check(report.checks, 'engine');
    expect(engine).toMatchObject({ ok: false, detail: expect.stringMatching(/^unix:\/\/\/var\/run\/docker\.sock does not answer: no engine socket/) });
    expect(engine?.fix).toMatch(/dockerd|DOCKER_HOST/);
    // The rest of the report is still produced.
    expect(check(report.checks, 'store')?.ok).toBe(true);
  });

  it('reports an endpoint that cannot be resolved, without opening Docker: a set-up problem (1), not an engine that is down (69)', async () => {
    const docker = neverOpened<FakeDocker>('docker');
    const endpoint = () => {
      throw new UsageError('DOCKER_CONTEXT "nope" not found');
    };
    const report = await doctor({ registries: [] }, deps({ endpoint, docker }));

    expect(report).toMatchObject({ ok: false, engineUnavailable: false });
    expect(check(report.checks, 'engine')).toMatchObject({ ok: false, detail: expect.stringContaining('(unresolved) does not answer: DOCKER_CONTEXT "nope" not found') });
    expect(docker.calls).toBe(0);
  });

  describe('registries', () => {
    it.each([
      ['registry.test:5000', 'https://registry.test:5000/v2/'],
      ['localhost:5000', 'http://localhost:5000/v2/'],
      ['127.0.0.1:5000', 'http://127.0.0.1:5000/v2/'],
      ['docker.io', 'https://registry-1.docker.io/v2/'],
      ['registry.test:5000/team/worker', 'https://registry.test:5000/v2/'],
    ])('asks %s at %s', async (registry, url) => {
      const asked: string[] = [];
      const report = await doctor({ registries: [registry] }, deps({ httpStatus: async (at) => (asked.push(at), 200) }));
      expect(asked).toEqual([url]);
      expect(report.ok).toBe(true);
    });

    it.each([
      [200, true, /answered HTTP 200$/],
      [401, true, /answered HTTP 401 \(authentication required\)/],
      [404, false, /answered HTTP 404/],
    ])('HTTP %d → ok %s', async (status, ok, detail) => {
      const report = await doctor({ registries: ['registry.test:5000'] }, deps({ httpStatus: async () => status }));
      const registry = check(report.checks, 'registry registry.test:5000');
      expect(registry).toMatchObject({ ok });
      expect(registry?.detail).toMatch(detail);
      expect(registry?.fix === null).toBe(ok);
      expect(report.ok).toBe(ok);
    });

    it('reports a registry that does not answer', async () => {
      const httpStatus = async (): Promise<number> => {
        throw new Error('getaddrinfo ENOTFOUND registry.test');
      };
      const report = await doctor({ registries: ['registry.test:5000'] }, deps({ httpStatus }));
      expect(report.ok).toBe(false);
      expect(check(report.checks, 'registry registry.test:5000')).toMatchObject({
        ok: false,
        detail: expect.stringContaining('did not answer: getaddrinfo ENOTFOUND'),
        fix: expect.any(String),
      });
    });

    it('describes the credential source, and reports one that fails', async () => {
      const fine = await doctor({ registries: ['registry.test:5000'] }, deps({ httpStatus: async () => 401 }));
      expect(check(fine.checks, 'credentials registry.test:5000')).toMatchObject({ ok: true, detail: expect.stringContaining('anonymous'), fix: null });

      const credentials: RegistryCredentials = {
        forRegistry: async () => undefined,
        describeSource: async () => {
          throw new Error('docker-credential-pass: not found');
        },
      };
      const broken = await doctor({ registries: ['registry.test:5000'] }, deps({ credentials, httpStatus: async () => 401 }));
      expect(broken.ok).toBe(false);
      expect(broken.engineUnavailable).toBe(false);
      expect(check(broken.checks, 'credentials registry.test:5000')).toMatchObject({
        ok: false,
        detail: expect.stringContaining('docker-credential-pass'),
        fix: expect.any(String),
      });
      // The registry is still asked.
      expect(check(broken.checks, 'registry registry.test:5000')?.ok).toBe(true);
    });
  });

  it('does not report an engine failure as such when only a registry fails', async () => {
    const report = await doctor({ registries: ['registry.test:5000'] }, deps());
    expect(report).toMatchObject({ ok: false, engineUnavailable: false });
  });

  it('shows a DockerFailure by its detail, not its endpoint-prefixed message', async () => {
    class RefusingDocker extends FakeDocker {
      override async version(): Promise<never> {
        throw new DockerFailure('engine-unavailable', 'connect ECONNREFUSED', { endpoint: 'tcp://10.0.0.1:2375' });
      }
    }
    const docker = new RefusingDocker();
    const report = await doctor({ registries: [] }, deps({ docker: async () => docker }));
    const detail = check(report.checks, 'engine')?.detail ?? '';
    expect(detail).toBe('unix:///var/run/docker.sock does not answer: connect ECONNREFUSED');
  });
});

describe('doctor on a PostgreSQL store', () => {
  const SHOWN = 'postgres://alice@db.example:5432/cascade';
  type ServerDescription = Extract<StoreDescription, { kind: 'postgres' }>;

  /** A store that answers only what doctor may ask of it: who this process is there, and the schema's version. */
  function serverStore(description: Partial<ServerDescription> = {}): StorePort {
    const full: ServerDescription = {
      kind: 'postgres',
      location: SHOWN,
      schema: 'cascade_image',
      connectedRole: 'alice',
      operatorRole: 'superadmin',
      serverSuperuser: false,
      schemaOwner: false,
      ...description,
    };
    return new Proxy({} as StorePort, {
      get: (_target, property) => {
        if (property === 'describe') return async () => full;
        if (property === 'schemaVersion') return async () => '0005_server_roles';
        // Not a thenable: `await` hands the store back as it is.
        if (property === 'then') return undefined;
        return () => {
          throw new Error(`doctor must not call ${String(property)} on the store`);
        };
      },
    });
  }

  function server(open: () => Promise<StorePort | undefined>): DoctorStore {
    return { kind: 'postgres', location: SHOWN, schema: 'cascade_image', role: 'alice', open };
  }

  it('says where the store is, its schema version, and that the connected superadmin changes, re-validates and reads', async () => {
    const store = serverStore();
    const report = await doctor({ registries: [] }, deps({ store: server(async () => store) }));

    expect(report).toMatchObject({ ok: true, engineUnavailable: false });
    expect(report.checks.map((found) => [found.name, found.ok])).toEqual([
      ['engine', true],
      ['store', true],
      ['schema', true],
      ['role', true],
    ]);
    expect(check(report.checks, 'store')).toEqual({ name: 'store', ok: true, detail: `${SHOWN}, schema cascade_image: the server answers`, fix: null });
    expect(check(report.checks, 'schema')).toMatchObject({ ok: true, detail: '0005_server_roles (current)' });
    // No warnings key at all when there is nothing to warn about.
    expect(check(report.checks, 'role')).toEqual({ name: 'role', ok: true, detail: 'connected as alice: superadmin: changes, re-validates, reads', fix: null });
    expect(report.store).toEqual(await store.describe());
  });

  it.each([
    ['viewer' as const, 'viewer: re-validates, reads'],
    [null, 'not an operator: reads only'],
  ])('names what operator role %s may do', async (operatorRole, may) => {
    const report = await doctor({ registries: [] }, deps({ store: server(async () => serverStore({ connectedRole: 'bob', operatorRole })) }));
    expect(report.ok).toBe(true);
    expect(check(report.checks, 'role')?.detail).toBe(`connected as bob: ${may}`);
  });

  it('warns, without failing, when the role is a server superuser or owns the schema: they can switch the rule off', async () => {
    const report = await doctor({ registries: [] }, deps({ store: server(async () => serverStore({ serverSuperuser: true, schemaOwner: true })) }));

    expect(report.ok).toBe(true);
    const role = check(report.checks, 'role');
    expect(role).toMatchObject({ ok: true, fix: null });
    expect(role?.warnings).toEqual([
      expect.stringMatching(/^alice is a server superuser: it can disable the triggers that enforce the rule/),
      expect.stringMatching(/^alice owns the schema cascade_image or its tables: it can alter or drop the tables and triggers/),
    ]);
    expect(report.store).toMatchObject({ serverSuperuser: true, schemaOwner: true });

    const owner = await doctor({ registries: [] }, deps({ store: server(async () => serverStore({ schemaOwner: true })) }));
    expect(check(owner.checks, 'role')?.warnings).toEqual([expect.stringContaining('owns the schema')]);
  });

  it('reports a schema that does not exist yet as fine, and creates nothing', async () => {
    const report = await doctor({ registries: [] }, deps({ store: server(async () => undefined) }));

    expect(report.ok).toBe(true);
    expect(report.checks.map((found) => found.name)).toEqual(['engine', 'store']);
    expect(check(report.checks, 'store')?.detail).toBe(
      `${SHOWN}, schema cascade_image: the server answers; the schema does not exist yet: the first change creates it (the role needs CREATE on the database) and makes role alice its first superadmin`,
    );
    expect(report.store).toBeUndefined();
  });

  it("reports a server it cannot use with the store's own fix, not as an engine failure", async () => {
    const refused = new StoreUnavailableError('the PostgreSQL server at db.example:5432 (database cascade) refused role alice: password authentication failed', {
      fix: "give the role's password in PGPASSWORD, ~/.pgpass or the URL (postgres://role:password@host/db)",
    });
    const report = await doctor({ registries: [] }, deps({ store: server(async () => Promise.reject(refused)) }));

    expect(report).toMatchObject({ ok: false, engineUnavailable: false });
    expect(report.checks.map((found) => found.name)).toEqual(['engine', 'store']);
    expect(check(report.checks, 'store')).toEqual({ name: 'store', ok: false, detail: refused.message, fix: refused.hint });
  });

  it('gives a fix line for a failure without a hint of its own', async () => {
    const report = await doctor({ registries: [] }, deps({ store: server(async () => Promise.reject(new Error('socket hang up'))) }));
    expect(check(report.checks, 'store')).toMatchObject({ ok: false, detail: 'socket hang up', fix: expect.stringContaining('--db / CASCADE_IMAGE_DB') });
  });

  it('reports a schema newer than this cascade-image, with its fix', async () => {
    const tooNew = new StoreSchemaTooNewError('the store postgres://alice@db.example:5432/cascade (schema cascade_image) has schema 0099_future, newer than this cascade-image understands', {
      fix: 'upgrade cascade-image on this host; the store was left untouched',
    });
    const report = await doctor({ registries: [] }, deps({ store: server(async () => Promise.reject(tooNew)) }));
    expect(report.ok).toBe(false);
    expect(check(report.checks, 'store')).toMatchObject({ ok: false, detail: expect.stringContaining('newer'), fix: 'upgrade cascade-image on this host; the store was left untouched' });
  });
});
