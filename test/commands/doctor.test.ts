import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { doctor, type DoctorCheck, type DoctorDeps } from '../../src/commands/doctor.js';
import { DockerFailure, StoreSchemaTooNewError, UsageError } from '../../src/errors.js';
import type { RegistryCredentials } from '../../src/ports/credentials.js';
import type { StorePort } from '../../src/ports/store.js';
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

function deps(overrides: Partial<DoctorDeps> = {}): DoctorDeps {
  const storePath = overrides.storePath ?? join(dir, 'store.db');
  return {
    endpoint: () => 'unix:///var/run/docker.sock',
    docker: async () => new FakeDocker(),
    storePath,
    storeExists: () => existsSync(storePath),
    store: async () => {
      const store = await openSqliteStore({ path: storePath, now: () => new Date() });
      opened.push(store);
      return store;
    },
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
    const report = await doctor({ registries: [] }, deps({ store }));

    expect(report).toMatchObject({ ok: true, engineUnavailable: false });
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
    const report = await doctor({ registries: [] }, deps({ storePath: path }));

    expect(report.ok).toBe(true);
    expect(check(report.checks, 'store')).toMatchObject({ ok: true, detail: `${path} is writable` });
    expect(check(report.checks, 'schema')).toMatchObject({ ok: true, detail: expect.stringContaining('(current)') });
  });

  it('reports a schema the store refuses, with its hint as the fix', async () => {
    writeFileSync(join(dir, 'store.db'), '');
    const store = async (): Promise<StorePort> => {
      throw new StoreSchemaTooNewError('the store has schema 9999, newer than this cascade-image understands', { hint: 'upgrade cascade-image' });
    };
    const report = await doctor({ registries: [] }, deps({ store }));
    expect(report).toMatchObject({ ok: false, engineUnavailable: false });
    expect(check(report.checks, 'schema')).toMatchObject({ ok: false, detail: expect.stringContaining('newer'), fix: 'upgrade cascade-image' });
  });

  it('reports a store path under a file as not ok', async () => {
    writeFileSync(join(dir, 'plain-file'), '');
    const report = await doctor({ registries: [] }, deps({ storePath: join(dir, 'plain-file', 'store.db') }));
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
