import { mkdtempSync, rmSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SUBJECT, projectSubject } from '../../src/lifecycle/model.js';
import type { StorePort } from '../../src/ports/store.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { ADMIN, memoryStore } from '../support/store.js';

const acme = projectSubject('acme');
const REF = 'registry.test/acme/worker:1';
const DIGEST = `registry.test/acme/worker@sha256:${'c'.repeat(64)}`;

let store: StorePort;
beforeEach(async () => {
  store = await memoryStore();
});
afterEach(async () => store.close());

const change = (reference: string | null, extra: Partial<{ actor: string; create: boolean }> = {}) =>
  store.changeSlot({ subject: acme, reference, allowLocal: false, actor: extra.actor ?? ADMIN, create: extra.create ?? true, event: 'project_worker_image_changed' });

describe('changeSlot', () => {
  it('stores a new reference as pending with cleared digest and error, bumping the generation', async () => {
    const first = await change(REF);
    expect(first.created).toBe(true);
    expect(first.after).toMatchObject({ reference: REF, status: 'pending', digest: null, error: null, generation: 1 });
    await store.beginRun({ runId: 'r1', subject: acme, generation: 1, reference: REF, owner: { pid: 1, host: 'h' }, leaseMs: 1000 });
    await store.finishRun({ runId: 'r1', subject: acme, generation: 1, reference: REF, actor: ADMIN, verdict: { status: 'verified', digest: DIGEST, pinKind: 'registry', warnings: [] }, durationMs: 5, checks: undefined, outcome: 'verified', contractHash: 'h' });
    const second = await change('registry.test/acme/worker:2');
    expect(second.before).toMatchObject({ status: 'verified', digest: DIGEST });
    expect(second.after).toMatchObject({ status: 'pending', digest: null, error: null, generation: 2 });
  });

  it('refuses an unknown project without create, storing nothing', async () => {
    await expect(change(REF, { create: false })).rejects.toMatchObject({ code: 'PROJECT_NOT_FOUND', exitCode: 2 });
    expect(await store.getSlot(acme)).toBeUndefined();
    expect((await store.audit({})).filter((entry) => entry.event !== 'operator_granted')).toHaveLength(0);
  });

  it('clearing sets reference, status, digest and error all to null', async () => {
    await change(REF);
    const cleared = await change(null);
    expect(cleared.after).toMatchObject({ reference: null, status: null, digest: null, error: null, generation: 2 });
  });

  it('writes the audit row (who, project, from, to) in the same transaction', async () => {
    await change(REF);
    await change(null);
    const entries = await store.audit({ project: 'acme' });
    expect(entries.map((entry) => [entry.event, entry.actor, entry.from, entry.to])).toEqual([
      ['project_worker_image_changed', ADMIN, REF, null],
      ['project_worker_image_changed', ADMIN, null, REF],
    ]);
  });

  it('refuses a non-superadmin and persists nothing', async () => {
    await expect(change(REF, { actor: 'mallory' })).rejects.toMatchObject({ code: 'FORBIDDEN', exitCode: 77, message: 'forbidden: mallory is not a superadmin' });
    expect(await store.getSlot(acme)).toBeUndefined();
    expect((await store.audit({})).map((entry) => entry.event)).toEqual(['operator_granted']);
  });

  it('keeps the global default in its own slot', async () => {
    await store.changeSlot({ subject: DEFAULT_SUBJECT, reference: REF, allowLocal: false, actor: ADMIN, create: true, event: 'default_worker_image_changed' });
    expect(await store.getSlot(DEFAULT_SUBJECT)).toMatchObject({ reference: REF, status: 'pending' });
    expect(await store.listProjects()).toHaveLength(0);
  });
});

describe('finishRun', () => {
  it('stores a result only for the generation the run started with', async () => {
    await change(REF);
    await store.beginRun({ runId: 'old', subject: acme, generation: 1, reference: REF, owner: { pid: 1, host: 'h' }, leaseMs: 1000 });
    await change('registry.test/acme/worker:2');
    const result = await store.finishRun({ runId: 'old', subject: acme, generation: 1, reference: REF, actor: ADMIN, verdict: { status: 'verified', digest: DIGEST, pinKind: 'registry', warnings: [] }, durationMs: 5, checks: undefined, outcome: 'verified', contractHash: 'h' });
    expect(result).toBe('stale');
    expect(await store.getSlot(acme)).toMatchObject({ reference: 'registry.test/acme/worker:2', status: 'pending', digest: null });
    expect(await store.lastRun(acme)).toMatchObject({ runId: 'old', outcome: 'stale' });
    expect((await store.audit({ project: 'acme' }))[0]).toMatchObject({ event: 'validation_stale', from: REF });
  });

  it('stores failed with the reason and audits it', async () => {
    await change(REF);
    await store.beginRun({ runId: 'r', subject: acme, generation: 1, reference: REF, owner: { pid: 1, host: 'h' }, leaseMs: 1000 });
    await store.finishRun({ runId: 'r', subject: acme, generation: 1, reference: REF, actor: ADMIN, verdict: { status: 'failed', reason: 'hard checks failed: git --version', cause: 'checks-failed' }, durationMs: 5, checks: undefined, outcome: 'failed', contractHash: 'h' });
    expect(await store.getSlot(acme)).toMatchObject({ status: 'failed', error: 'hard checks failed: git --version', digest: null });
    expect((await store.audit({ project: 'acme' }))[0]).toMatchObject({ event: 'validation_failed', detail: expect.objectContaining({ reason: 'hard checks failed: git --version' }) });
  });
});

describe('operators', () => {
  it('makes the actor that creates the store its first superadmin, and logs it', async () => {
    expect(await store.operators()).toMatchObject([{ actor: ADMIN, role: 'superadmin' }]);
    expect((await store.audit({}))[0]).toMatchObject({ event: 'operator_granted', to: 'superadmin', detail: { operator: ADMIN, bootstrap: true } });
  });

  it('refuses to revoke or demote the last superadmin', async () => {
    await expect(store.removeOperator(ADMIN, ADMIN)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('last superadmin') });
    await expect(store.setOperator(ADMIN, 'viewer', ADMIN)).rejects.toMatchObject({ message: expect.stringContaining('last superadmin') });
    await store.setOperator('bob', 'superadmin', ADMIN);
    await store.removeOperator(ADMIN, 'bob');
    expect((await store.operators()).map((operator) => operator.actor)).toEqual(['bob']);
  });

  it('only a superadmin may grant', async () => {
    await store.setOperator('victor', 'viewer', ADMIN);
    await expect(store.setOperator('victor', 'superadmin', 'victor')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await store.roleOf('victor')).toBe('viewer');
  });
});

describe('the store file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'store-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a missing folder, uses WAL, and keeps the audit log append-only', async () => {
    const path = join(dir, 'nested', 'deeper', 'store.db');
    const fileStore = await openSqliteStore({ path, now: () => new Date(), bootstrapActor: ADMIN });
    await fileStore.changeSlot({ subject: acme, reference: REF, allowLocal: false, actor: ADMIN, create: true, event: 'e' });
    await fileStore.close();
    const raw = new Database(path);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(() => raw.prepare('delete from audit_log').run()).toThrow(/append-only/);
    expect(() => raw.prepare("update audit_log set actor = 'x'").run()).toThrow(/append-only/);
    raw.close();
  });

  it('refuses a store written by a newer schema and leaves it untouched', async () => {
    const path = join(dir, 'store.db');
    const fileStore = await openSqliteStore({ path, now: () => new Date(), bootstrapActor: ADMIN });
    await fileStore.close();
    const raw = new Database(path);
    raw.prepare("insert into cascade_schema_migrations (name, applied_at) values ('9999_future', 'x')").run();
    raw.close();
    await expect(openSqliteStore({ path, now: () => new Date(), bootstrapActor: ADMIN })).rejects.toMatchObject({ code: 'STORE_SCHEMA_TOO_NEW', exitCode: 69 });
    const after = new Database(path);
    expect(after.prepare('select count(*) as n from cascade_schema_migrations').get()).toEqual({ n: Object.keys(MIGRATIONS).length + 1 });
    after.close();
  });

  it('says clearly when the store folder is not writable', async () => {
    if (process.getuid?.() === 0) {
      // root ignores permissions; a path under a regular file is unwritable for everyone.
      writeFileSync(join(dir, 'file'), '');
      await expect(openSqliteStore({ path: join(dir, 'file', 'store.db'), now: () => new Date() })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', exitCode: 69 });
      return;
    }
    chmodSync(dir, 0o500);
    await expect(openSqliteStore({ path: join(dir, 'x', 'store.db'), now: () => new Date() })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });

  it("refuses another application's SQLite database and leaves it untouched", async () => {
    const path = join(dir, 'other.db');
    const other = new Database(path);
    other.prepare('create table notes (body text)').run();
    other.close();
    await expect(openSqliteStore({ path, now: () => new Date(), bootstrapActor: ADMIN })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: expect.stringContaining('not a cascade-image store'),
    });
    const after = new Database(path);
    expect(after.prepare("select name from sqlite_master where type = 'table'").all()).toEqual([{ name: 'notes' }]);
    expect(after.pragma('journal_mode', { simple: true })).toBe('delete');
    after.close();
  });

  it('refuses a file that is not a store', async () => {
    const path = join(dir, 'junk.db');
    writeFileSync(path, 'this is not sqlite'.repeat(100));
    await expect(openSqliteStore({ path, now: () => new Date() })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringContaining('not a cascade-image store') });
  });
});

describe('migration names', () => {
  it('the cheap name list matches the migrations', async () => {
    const { MIGRATION_NAMES } = await import('../../src/store/migrations/names.js');
    expect(MIGRATION_NAMES).toEqual(Object.keys(MIGRATIONS));
  });
});
