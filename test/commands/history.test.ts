import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { history } from '../../src/commands/history.js';
import { REF, REF_2, harness, type Harness } from './support.js';

let h: Harness;
let clock: Date;
const at = (minute: number) => new Date(Date.UTC(2030, 0, 1, 12, minute));

beforeEach(async () => {
  clock = at(0);
  h = await harness(() => clock);
  // minute 1: acme created; minute 2: beta created; minute 3: acme changed.
  clock = at(1);
  await h.seed('acme', REF, { validate: false });
  clock = at(2);
  await h.seed('beta', REF, { validate: false });
  clock = at(3);
  await h.seed('acme', REF_2, { validate: false });
});
afterEach(async () => h.store.close());

const deps = () => ({ store: async () => h.store });
const summary = (entries: Awaited<ReturnType<typeof history>>) => entries.map((entry) => [entry.project, entry.to, entry.at]);

describe('history', () => {
  it('returns the whole trail newest first, the bootstrap grant included', async () => {
    const entries = await history({}, deps());
    expect(entries.map((entry) => entry.event)).toEqual([
      'project_worker_image_changed',
      'project_worker_image_changed',
      'project_worker_image_changed',
      'operator_granted',
    ]);
  });

  it('filters by project', async () => {
    expect(summary(await history({ project: 'acme' }, deps()))).toEqual([
      ['acme', REF_2, at(3).toISOString()],
      ['acme', REF, at(1).toISOString()],
    ]);
    expect(await history({ project: 'nope' }, deps())).toEqual([]);
  });

  it('filters by since (inclusive)', async () => {
    expect(summary(await history({ since: at(2).toISOString() }, deps()))).toEqual([
      ['acme', REF_2, at(3).toISOString()],
      ['beta', REF, at(2).toISOString()],
    ]);
  });

  it('limits to the newest entries, combined with the other filters', async () => {
    expect(summary(await history({ limit: 1 }, deps()))).toEqual([['acme', REF_2, at(3).toISOString()]]);
    expect(summary(await history({ project: 'acme', since: at(1).toISOString(), limit: 1 }, deps()))).toEqual([['acme', REF_2, at(3).toISOString()]]);
  });
});
