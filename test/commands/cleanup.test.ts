import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanupContainers, type CleanupDeps } from '../../src/commands/cleanup.js';
import { projectSubject } from '../../src/domain/index.js';
import { DockerFailure, EngineUnavailableError, ForbiddenError } from '../../src/errors.js';
import { permit } from '../../src/lifecycle/authorization.js';
import { LABELS, OURS } from '../../src/lifecycle/labels.js';
import type { OurContainer } from '../../src/ports/docker.js';
import { ADMIN, HOST, REF, STRANGER, VIEWER, harness, type Harness } from './support.js';

const NOW = new Date('2030-01-01T12:00:00Z');
const HOUR = 3_600_000;

let h: Harness;
beforeEach(async () => {
  h = await harness(() => NOW);
});
afterEach(async () => h.store.close());

/** One of our smoke containers, created an hour ago; `expiresInMs` relative to NOW. */
function ours(id: string, runId: string | null, expiresInMs: number): OurContainer {
  const created = new Date(NOW.getTime() - HOUR);
  return {
    id,
    state: 'running',
    createdAt: created,
    labels: {
      ...OURS,
      [LABELS.project]: 'acme',
      [LABELS.createdAt]: created.toISOString(),
      [LABELS.expiresAt]: new Date(NOW.getTime() + expiresInMs).toISOString(),
      ...(runId === null ? {} : { [LABELS.runId]: runId }),
    },
  };
}

async function beginRun(runId: string, owner: { pid: number; host: string } = { pid: process.pid, host: HOST }, leaseMs = HOUR): Promise<void> {
  await h.seed('acme', REF, { validate: false });
  const slot = await h.slot('acme');
  await h.store.beginRun({ runId, subject: projectSubject('acme'), generation: slot!.generation, reference: REF, owner, leaseMs }, permit('revalidate', ADMIN));
}

const deps = (actor = ADMIN, isAlive: (pid: number) => boolean = (pid) => pid === process.pid, overrides: Partial<CleanupDeps> = {}): CleanupDeps => ({
  docker: async () => h.docker,
  store: async () => h.store,
  actor,
  here: () => h.here(isAlive),
  ...overrides,
});

describe('cleanupContainers', () => {
  it('removes our container whose run is unknown and whose expiry passed', async () => {
    h.docker.containers = [ours('c-old', 'run-unknown', -60_000)];
    const items = await cleanupContainers({ dryRun: false }, deps());

    expect(items).toEqual([
      { id: 'c-old', runId: 'run-unknown', project: 'acme', createdAt: new Date(NOW.getTime() - HOUR).toISOString(), action: 'removed', why: expect.stringMatching(/unknown/) },
    ]);
    expect(h.docker.calls.removed).toEqual(['c-old']);
    expect(h.docker.listedWith).toEqual([OURS]);
  });

  it('keeps our container whose run is unknown but not expired yet (another store may own it)', async () => {
    h.docker.containers = [ours('c-young', 'run-unknown', 60_000)];
    const [item] = await cleanupContainers({ dryRun: false }, deps());
    expect(item).toMatchObject({ action: 'kept', why: expect.stringMatching(/has not expired/) });
    expect(h.docker.calls.removed).toEqual([]);
  });

  it('keeps a container whose run is live here, even past the container expiry', async () => {
    await beginRun('run-live');
    h.docker.containers = [ours('c-live', 'run-live', -60_000)];
    const [item] = await cleanupContainers({ dryRun: false }, deps(ADMIN, () => true));
    expect(item).toMatchObject({ id: 'c-live', runId: 'run-live', action: 'kept', why: expect.stringContaining('run-live is still live') });
    expect(h.docker.calls.removed).toEqual([]);
  });

  it.each([
    ['its owner process is gone', { pid: 999_999, host: HOST }, HOUR],
    ['its lease passed', { pid: process.pid, host: HOST }, -1],
  ])('removes a container whose run can no longer deliver: %s', async (_what, owner, leaseMs) => {
    await beginRun('run-dead', owner, leaseMs);
    h.docker.containers = [ours('c-dead', 'run-dead', HOUR)];
    const [item] = await cleanupContainers({ dryRun: false }, deps(ADMIN, (pid) => pid === process.pid));
    expect(item).toMatchObject({ action: 'removed', why: expect.stringMatching(/can no longer deliver/) });
    expect(h.docker.calls.removed).toEqual(['c-dead']);
  });

  it('never looks at containers without our label', async () => {
    const foreign = { ...ours('c-foreign', null, -HOUR), labels: { [LABELS.expiresAt]: new Date(0).toISOString() } };
    h.docker.containers = [foreign, ours('c-old', null, -60_000)];
    const items = await cleanupContainers({ dryRun: false }, deps());
    expect(items.map((item) => [item.id, item.runId, item.action])).toEqual([['c-old', null, 'removed']]);
    expect(h.docker.calls.removed).toEqual(['c-old']);
  });

  it('dry run reports would-remove and removes nothing, for anyone', async () => {
    await beginRun('run-live');
    h.docker.containers = [ours('c-old', 'run-unknown', -60_000), ours('c-live', 'run-live', -60_000)];
    const items = await cleanupContainers({ dryRun: true }, deps(STRANGER, () => true));
    expect(items.map((item) => [item.id, item.action])).toEqual([
      ['c-old', 'would-remove'],
      ['c-live', 'kept'],
    ]);
    expect(h.docker.calls.removed).toEqual([]);
    expect(h.docker.containers).toHaveLength(2);
  });

  it('refuses a non-operator without dry run, removing nothing', async () => {
    h.docker.containers = [ours('c-old', 'run-unknown', -60_000)];
    await expect(cleanupContainers({ dryRun: false }, deps(STRANGER))).rejects.toMatchObject({ name: 'ForbiddenError', actor: STRANGER, required: 'operator' });
    await expect(cleanupContainers({ dryRun: false }, deps(STRANGER))).rejects.toBeInstanceOf(ForbiddenError);
    expect(h.docker.calls.removed).toEqual([]);
    expect(h.docker.containers).toHaveLength(1);
  });

  it('lets a viewer (any operator) clean up', async () => {
    await h.grantViewer();
    h.docker.containers = [ours('c-old', 'run-unknown', -60_000)];
    const [item] = await cleanupContainers({ dryRun: false }, deps(VIEWER));
    expect(item?.action).toBe('removed');
  });

  it('fails with exit 69 (not 70) when the engine is down', async () => {
    h.docker.engineDown = true;
    const refusal = cleanupContainers({ dryRun: false }, deps());
    await expect(refusal).rejects.toBeInstanceOf(DockerFailure);
    await expect(refusal).rejects.toMatchObject({ kind: 'engine-unavailable', exitCode: 69, code: 'ENGINE_UNAVAILABLE' });
  });

  it('fails with exit 69 when the Docker client cannot even be set up', async () => {
    const docker = async () => {
      throw new EngineUnavailableError('cannot set up the Docker client');
    };
    await expect(cleanupContainers({ dryRun: true }, deps(ADMIN, undefined, { docker }))).rejects.toMatchObject({ exitCode: 69 });
  });
});
