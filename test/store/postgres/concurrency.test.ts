// Two hosts on one PostgreSQL store: two pools on the same schema. The write lock serializes their
// writes, and the generation guard decides between a change and a run finishing at the same time.
import { beforeEach, describe, expect, it } from 'vitest';
import { projectSubject } from '../../../src/domain/index.js';
import { permit } from '../../../src/lifecycle/authorization.js';
import type { RunFinish, StorePort } from '../../../src/ports/store.js';
import { ADMIN, storeHarness } from '../../support/store.js';

const acme = projectSubject('acme');
const REF = 'registry.test/acme/worker:1';
const DIGEST = `registry.test/acme/worker@sha256:${'c'.repeat(64)}`;
const admin = permit('change', ADMIN);
const revalidate = permit('revalidate', ADMIN);

describe('two hosts on one PostgreSQL store', () => {
  const stores = storeHarness('postgres');
  let here: StorePort;
  let there: StorePort;
  beforeEach(async () => {
    here = await stores.open();
    there = await stores.as(ADMIN);
  });

  const change = (store: StorePort, reference: string) => store.changeSlot({ subject: acme, reference, allowLocal: false, actor: ADMIN, create: true, event: 'project_worker_image_changed' }, admin);
  const finish = (runId: string, generation: number): RunFinish => ({
    runId,
    subject: acme,
    generation,
    reference: REF,
    actor: ADMIN,
    verdict: { status: 'verified', digest: DIGEST, pinKind: 'registry', warnings: [] },
    outcome: 'verified',
    contractHash: 'h',
    durationMs: 5,
    checks: undefined,
  });
  const begin = (store: StorePort, runId: string, generation: number) => store.beginRun({ runId, subject: acme, generation, reference: REF, owner: { pid: 1, host: 'there' }, leaseMs: 60_000 }, revalidate);

  it("a change on one host after a run began on the other wins: the run's finish is stale", async () => {
    await change(here, REF);
    await begin(there, 'r1', 1);
    await change(here, 'registry.test/acme/worker:2');
    expect(await there.finishRun(finish('r1', 1))).toBe('stale');
    expect(await here.getSlot(acme)).toMatchObject({ reference: 'registry.test/acme/worker:2', status: 'pending', digest: null, generation: 2 });
    expect(await here.getRun('r1')).toMatchObject({ outcome: 'stale' });
  });

  it('racing a change against a run that finishes, the change always ends up in the slot', async () => {
    await change(here, REF);
    for (let round = 1; round <= 12; round += 1) {
      const generation = (await here.getSlot(acme))?.generation ?? 0;
      const runId = `race-${round}`;
      await begin(there, runId, generation);
      const reference = `registry.test/acme/worker:${round + 1}`;
      const [changed, finished] = await Promise.all([change(here, reference), there.finishRun(finish(runId, generation))]);
      // Whichever committed first, the slot holds the change, pending, one generation on.
      expect(await here.getSlot(acme)).toMatchObject({ reference, status: 'pending', digest: null, generation: generation + 1 });
      const run = await here.getRun(runId);
      if (finished === 'stale') {
        expect(changed.before).toMatchObject({ status: 'pending', generation });
        expect(run).toMatchObject({ outcome: 'stale' });
      } else {
        // The run committed first; the change after it saw (and replaced) its verdict.
        expect(changed.before).toMatchObject({ status: 'verified', digest: DIGEST, generation });
        expect(run).toMatchObject({ outcome: 'verified' });
      }
    }
  });

  it('changes from both hosts at once are all kept, each its own generation', async () => {
    await change(here, REF);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => change(i % 2 === 0 ? here : there, `registry.test/acme/worker:${i + 2}`)));
    expect(results.map((result) => result.after.generation).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i + 2));
    const last = results.find((result) => result.after.generation === 11);
    expect(await here.getSlot(acme)).toMatchObject({ reference: last?.after.reference, generation: 11 });
    const audit = (await here.audit({ project: 'acme' })).map((entry) => entry.detail?.generation);
    expect(audit).toEqual(Array.from({ length: 11 }, (_, i) => 11 - i));
  });

  it('a run finished by both hosts at once (a retry racing the first try) is closed once, with one audit row', async () => {
    await change(here, REF);
    await begin(there, 'twice', 1);
    const answers = await Promise.all([here.finishRun(finish('twice', 1)), there.finishRun(finish('twice', 1)), there.finishRun(finish('twice', 1))]);
    expect(answers).toEqual(['stored', 'stored', 'stored']);
    expect((await here.audit({ project: 'acme' })).filter((entry) => entry.event === 'validation_verified')).toHaveLength(1);
    expect(await here.getSlot(acme)).toMatchObject({ status: 'verified', digest: DIGEST, generation: 1 });
  });

  it('a stale run finished twice is stale twice, with one validation_stale row', async () => {
    await change(here, REF);
    await begin(there, 'late', 1);
    await change(here, 'registry.test/acme/worker:2');
    expect(await Promise.all([there.finishRun(finish('late', 1)), here.finishRun(finish('late', 1))])).toEqual(['stale', 'stale']);
    expect(await there.finishRun(finish('late', 1))).toBe('stale');
    expect((await here.audit({ project: 'acme' })).filter((entry) => entry.event === 'validation_stale')).toHaveLength(1);
  });
});
