import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProject, type CreateProjectInput } from '../../src/commands/create.js';
import { ForbiddenError, ProjectExistsError } from '../../src/errors.js';
import { ADMIN, DIGEST, REF, REF_2, VIEWER, good, harness, pinOf, type Harness } from './support.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => h.store.close());

const input = (overrides: Partial<CreateProjectInput> = {}): CreateProjectInput => ({
  project: 'acme',
  reference: REF,
  validate: true,
  allowLocal: false,
  timeoutMs: 20_000,
  via: 'create',
  ...overrides,
});

describe('createProject', () => {
  it('creates the project with its own image and validates it', async () => {
    h.docker.publish(REF, DIGEST, good('sha256:img1'));
    const result = await createProject(input(), h.setDeps());

    expect(result.change?.created).toBe(true);
    expect(result.outcome).toMatchObject({ outcome: 'verified', stored: 'stored' });
    expect(await h.slot('acme')).toMatchObject({ reference: REF, status: 'verified', digest: pinOf(DIGEST), generation: 1 });
    expect((await h.store.audit({ project: 'acme' })).at(-1)).toMatchObject({
      event: 'project_worker_image_changed',
      actor: ADMIN,
      to: REF,
      detail: { created: true, via: 'create' },
    });
  });

  it('creates a project on the global default (no image of its own)', async () => {
    const result = await createProject(input({ reference: null }), h.setDeps());
    expect(result).toMatchObject({ unchanged: false, outcome: undefined, change: { created: true } });
    expect(await h.slot('acme')).toMatchObject({ reference: null, status: null });
  });

  it('creates into a store that does not exist yet', async () => {
    const result = await createProject(input({ validate: false }), h.setDeps(ADMIN, { storeExists: () => false }));
    expect(result.change?.created).toBe(true);
    expect(await h.slot('acme')).toMatchObject({ reference: REF, status: 'pending' });
  });

  it.each([
    ['with an image', REF],
    ['on the default', null],
  ])('refuses a project that exists already (%s), changing nothing', async (_what, existing) => {
    await h.seed('acme', existing, { validate: false });
    const slotBefore = await h.slot('acme');
    const auditBefore = await h.store.audit({});

    await expect(createProject(input({ reference: REF_2 }), h.setDeps())).rejects.toMatchObject({ name: 'ProjectExistsError', project: 'acme' });
    await expect(createProject(input({ reference: REF_2 }), h.setDeps())).rejects.toBeInstanceOf(ProjectExistsError);

    expect(await h.slot('acme')).toEqual(slotBefore);
    expect(await h.store.audit({})).toEqual(auditBefore);
    expect(h.docker.calls.pull).toEqual([]);
  });

  it('refuses a viewer, creating nothing', async () => {
    await h.grantViewer();
    await expect(createProject(input(), h.setDeps(VIEWER))).rejects.toBeInstanceOf(ForbiddenError);
    expect(await h.slot('acme')).toBeUndefined();
  });
});
