// A damaged store file is refused, whole and untouched, before anything is written to it; a healthy
// one (with or without a WAL) opens. Real files: a store made through the port, then damaged byte
// by byte (./damage.ts).
import { closeSync, copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { projectSubject } from '../../src/domain/index.js';
import { StoreUnavailableError } from '../../src/errors.js';
import type { Permit, StorePort } from '../../src/ports/store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { ADMIN } from '../support/store.js';
import { cutInsideLastPage, cutWholePages, fingerprint, overwriteHeader, pagesOf, pageSizeOf, swapFirstCells, zeroPage } from './damage.js';

const PROJECTS = 60;
const allow: Permit = { actor: ADMIN, check: () => undefined };
const now = () => new Date('2026-12-01T12:00:00Z');
const project = (n: number) => `project-${String(n).padStart(3, '0')}`;
const ref = (n: number) => `registry.test/${project(n)}/worker:1`;

let dir: string;
let file: string;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'store-integrity-'));
  file = join(dir, 'store.db');
  await writeHealthyStore(file);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A store over several pages per table: projects with a verified run each, their audit rows. */
async function writeHealthyStore(path: string): Promise<void> {
  const store = await openSqliteStore({ path, now, bootstrapActor: ADMIN });
  for (let n = 0; n < PROJECTS; n += 1) {
    const subject = projectSubject(project(n));
    await store.changeSlot({ subject, reference: ref(n), allowLocal: false, actor: ADMIN, create: true, event: 'project_worker_image_changed' }, allow);
    await store.beginRun({ runId: `run-${n}`, subject, generation: 1, reference: ref(n), owner: { pid: 1, host: 'h' }, leaseMs: 60_000 }, allow);
    await store.finishRun({
      runId: `run-${n}`,
      subject,
      generation: 1,
      reference: ref(n),
      actor: ADMIN,
      verdict: { status: 'verified', digest: `registry.test/${project(n)}/worker@sha256:${'c'.repeat(64)}`, pinKind: 'registry', warnings: [] },
      outcome: 'verified',
      contractHash: 'h',
      durationMs: 5,
      checks: [{ label: 'git --version', ok: true, output: 'git version 2.39.5' }],
    });
  }
  await store.close();
}

const open = () => openSqliteStore({ path: file, now, bootstrapActor: ADMIN });
const write = (store: StorePort) =>
  store.changeSlot({ subject: projectSubject('newcomer'), reference: ref(999), allowLocal: false, actor: ADMIN, create: true, event: 'project_worker_image_changed' }, allow);

/** What a command that writes does: open, then write. Resolves to the error it stopped with. */
async function writeAttempt(): Promise<unknown> {
  let store: StorePort | undefined;
  try {
    store = await open();
    await write(store);
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await store?.close();
  }
}

function expectRefusal(error: unknown, what: RegExp): void {
  expect(error).toBeInstanceOf(StoreUnavailableError);
  expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', exitCode: 69 });
  const { message, hint } = error as StoreUnavailableError;
  expect(message).toContain(file);
  expect(message).toMatch(what);
  expect(hint).toMatch(/backup/);
}

/** A leaf page of `table` from the middle of its b-tree (the store spreads each table over several). */
function middleLeafOf(table: string): number {
  const leaves = pagesOf(file, table);
  expect(leaves.length).toBeGreaterThanOrEqual(3);
  return leaves[Math.floor(leaves.length / 2)]!;
}

describe('a damaged store file: every open refuses it, nothing is written, the file is left as it was', () => {

  it.each([
    { name: 'cut inside its last page', damage: () => cutInsideLastPage(file), what: /is damaged: it was cut short \(\d+ bytes is not a whole number of \d+-byte pages\)/ },
    { name: 'cut at a page boundary, below the page count in its header', damage: () => cutWholePages(file, 3), what: /is damaged: it was cut short \(\d+ bytes; its header says \d+ pages of \d+ bytes/ },
    { name: 'a page of the projects table zeroed, in the middle of the file', damage: () => zeroPage(file, middleLeafOf('projects')), what: /is damaged: SQLite's integrity check found: / },
    { name: 'cell pointers of a projects page changed (quick_check: rowid out of order)', damage: () => swapFirstCells(file, middleLeafOf('projects')), what: /is damaged: SQLite's integrity check found: .*out of order/ },
    { name: 'the header overwritten with garbage', damage: () => overwriteHeader(file), what: /is not a cascade-image store or is damaged: it is not a SQLite database/ },
    { name: 'the header overwritten after its magic string', damage: () => overwriteHeader(file, 16), what: /is damaged: its SQLite header is invalid/ },
    { name: 'shorter than a SQLite header', damage: () => writeFileSync(file, readFileSync(file).subarray(0, 60)), what: /is damaged: it was cut short \(60 bytes, less than a SQLite header\)/ },
  ])('$name', async ({ damage, what }) => {
    damage();
    const before = fingerprint(file);

    // The read path (show, list, resolve): refused at open.
    expectRefusal(await openSqliteStore({ path: file, now }).catch((error: unknown) => error), what);
    // The write path (set, validate…): refused before its first write.
    expectRefusal(await writeAttempt(), what);

    expect(fingerprint(file)).toEqual(before);
    expect(before.files).toEqual(['store.db']);
  });
});

describe('damage in the history (audit log, run history), which opening does not check', () => {
  it('a zeroed page of the audit log: reads that reach it refuse, the first write refuses before writing, and keeps refusing', async () => {
    zeroPage(file, middleLeafOf('audit_log'));
    const before = fingerprint(file);

    // Opening checks the tables that grow with the operator's projects, not the history, which grows for ever.
    const store = await open();
    try {
      await expect(store.getSlot(projectSubject(project(7)))).resolves.toMatchObject({ reference: ref(7), status: 'verified' });
      expectRefusal(await store.audit({}).catch((error: unknown) => error), /is damaged: database disk image is malformed \(SQLITE_CORRUPT\)/);
      // SQLite's check of the whole file runs before the first write, and its answer stands for the process.
      expectRefusal(await write(store).catch((error: unknown) => error), /is damaged: SQLite's integrity check found: /);
      expectRefusal(await store.setOperator('bob', 'viewer', allow).catch((error: unknown) => error), /is damaged: SQLite's integrity check found: /);
    } finally {
      await store.close();
    }
    expect(fingerprint(file)).toEqual(before);
  });
});

describe('a healthy store file opens', () => {
  it('with a WAL that holds changes another connection has not checkpointed', async () => {
    const other = new Database(file);
    try {
      other.pragma('wal_autocheckpoint = 0');
      other.prepare("update projects set worker_image = 'registry.test/other/worker:2' where id = ?").run(project(3));
      expect(readFileSync(`${file}-wal`).length).toBeGreaterThan(32);
      const store = await open();
      try {
        await expect(store.getSlot(projectSubject(project(3)))).resolves.toMatchObject({ reference: 'registry.test/other/worker:2' });
        await expect(write(store)).resolves.toMatchObject({ created: true });
      } finally {
        await store.close();
      }
    } finally {
      other.close();
    }
  });

  it('whose main file is shorter than its header says while its WAL holds the missing pages (a checkpoint cut off)', async () => {
    const copy = growInWalThenCopy();
    // A checkpoint writes page 1 (with the new page count) first; stop it right there.
    writeLatestPageOneFromWal(copy);
    const store = await openSqliteStore({ path: copy, now });
    try {
      expect(await store.listProjects()).toHaveLength(PROJECTS + 40);
      await expect(store.getSlot(projectSubject('grown-39'))).resolves.toMatchObject({ reference: ref(39) });
    } finally {
      await store.close();
    }
  });

  it('that does not exist, read through the in-memory stand-in: no check, no file', async () => {
    const missing = join(dir, 'missing.db');
    const store = await openSqliteStore({ path: ':memory:', now, displayPath: missing });
    try {
      await expect(store.listProjects()).resolves.toEqual([]);
    } finally {
      await store.close();
    }
    expect(existsSync(missing)).toBe(false);
  });

  it('that is empty (0 bytes): it becomes a new store', async () => {
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    const store = await openSqliteStore({ path: empty, now, bootstrapActor: ADMIN });
    try {
      await expect(store.operators()).resolves.toMatchObject([{ actor: ADMIN, role: 'superadmin' }]);
    } finally {
      await store.close();
    }
  });
});

describe('a damaged main file next to a WAL', () => {
  it('cut inside its last page, with a WAL holding other pages: SQLite decides, and refuses it', async () => {
    const other = new Database(file);
    let copy = '';
    try {
      other.pragma('wal_autocheckpoint = 0');
      // One row of one page changes: the WAL holds that page, not the last one.
      other.prepare("update projects set updated_at = '2026-12-02T00:00:00.000Z' where id = ?").run(project(0));
      expect(readFileSync(`${file}-wal`).length).toBeGreaterThan(32);
      copy = snapshotWithWal(file, join(dir, 'cut.db'));
    } finally {
      other.close();
    }
    cutInsideLastPage(copy);
    const before = fingerprint(copy);
    const walBefore = readFileSync(`${copy}-wal`);
    const refused = await openSqliteStore({ path: copy, now }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StoreUnavailableError);
    expect((refused as Error).message).toMatch(new RegExp(`the store ${copy.replace(/[.]/g, '\\.')} is damaged: SQLite's integrity check found: `));
    // Neither checkpointed into the damaged file nor deleted: the WAL is part of what a restore may need.
    expect(fingerprint(copy).sha256).toBe(before.sha256);
    expect(readFileSync(`${copy}-wal`).equals(walBefore)).toBe(true);
  });
});

describe('a damaged main file next to a WAL, found by the check before the first write', () => {
  it('the write is refused, and closing the store neither checkpoints the WAL into the file nor deletes it', async () => {
    const page = pagesOf(file, 'audit_log').at(1)!;
    const other = new Database(file);
    let copy = '';
    try {
      other.pragma('wal_autocheckpoint = 0');
      other.prepare("update projects set updated_at = '2026-12-02T00:00:00.000Z' where id = ?").run(project(5));
      copy = snapshotWithWal(file, join(dir, 'zeroed.db'));
    } finally {
      other.close();
    }
    zeroPage(copy, page);
    const before = fingerprint(copy);
    const walBefore = readFileSync(`${copy}-wal`);
    const store = await openSqliteStore({ path: copy, now, bootstrapActor: ADMIN });
    try {
      await expect(store.getSlot(projectSubject(project(5)))).resolves.toMatchObject({ updatedAt: '2026-12-02T00:00:00.000Z' });
      const refused = await write(store).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(StoreUnavailableError);
      expect((refused as Error).message).toContain(`the store ${copy} is damaged: SQLite's integrity check found: `);
    } finally {
      await store.close();
    }
    expect(fingerprint(copy).sha256).toBe(before.sha256);
    expect(readFileSync(`${copy}-wal`).equals(walBefore)).toBe(true);
  });
});

/** Copies a store and its WAL as they are on disk (no -shm: SQLite rebuilds it from the WAL). */
function snapshotWithWal(source: string, target: string): string {
  copyFileSync(source, target);
  copyFileSync(`${source}-wal`, `${target}-wal`);
  return target;
}

/** The store grown by 40 projects in its WAL only, copied (main file and WAL) while the writer keeps it open. */
function growInWalThenCopy(): string {
  const other = new Database(file);
  try {
    other.pragma('wal_autocheckpoint = 0');
    const insert = other.prepare("insert into projects (id, worker_image, status, generation, created_at, updated_at) values (?, ?, 'pending', 1, 'x', 'x')");
    other.transaction(() => {
      for (let n = 0; n < 40; n += 1) insert.run(`grown-${String(n).padStart(2, '0')}`, ref(n));
    })();
    return snapshotWithWal(file, join(dir, 'grown.db'));
  } finally {
    other.close();
  }
}

/** Writes the newest copy of page 1 found in the WAL into the main file, as a checkpoint would first. */
function writeLatestPageOneFromWal(copy: string): void {
  const wal = readFileSync(`${copy}-wal`);
  const pageSize = wal.readUInt32BE(8);
  let latest: Buffer | undefined;
  for (let offset = 32; offset + 24 + pageSize <= wal.length; offset += 24 + pageSize) {
    if (wal.readUInt32BE(offset) === 1) latest = wal.subarray(offset + 24, offset + 24 + pageSize);
  }
  expect(latest).toBeDefined();
  expect(latest!.readUInt32BE(28) * pageSizeOf(copy)).toBeGreaterThan(readFileSync(copy).length);
  const fd = openSync(copy, 'r+');
  try {
    writeSync(fd, latest!, 0, pageSize, 0);
  } finally {
    closeSync(fd);
  }
  expect(existsSync(`${copy}-shm`)).toBe(false);
}
