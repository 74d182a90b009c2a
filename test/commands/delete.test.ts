import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deleteProject } from '../../src/commands/delete.js';
import { ForbiddenError, ProjectHasImageError, ProjectNotFoundError } from '../../src/errors.js';
import { ADMIN, REF, STRANGER, VIEWER, harness, type Harness } from './support.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => h.store.close());

const as = (actor: string) => ({ store: async () => h.store, actor });

describe('deleteProject', () => {
  it('refuses a project that still has its own image unless forced', async () => {
    await h.seed('acme', REF, { validate: false });
    const before = await h.slot('acme');
    const auditBefore = await h.store.audit({});

    const refusal = deleteProject({ project: 'acme', force: false }, as(ADMIN));
    await expect(refusal).rejects.toBeInstanceOf(ProjectHasImageError);
    await expect(refusal).rejects.toMatchObject({ project: 'acme', reference: REF });
    expect(await h.slot('acme')).toEqual(before);
    expect(await h.store.audit({})).toEqual(auditBefore);
  });

  it.each([
    ['with an image, forced', REF, true],
    ['on the default', null, false],
  ])('deletes a project %s, returning what it was, audited', async (_what, reference, force) => {
    await h.seed('acme', reference, { validate: false });
    const before = await h.slot('acme');

    expect(await deleteProject({ project: 'acme', force }, as(ADMIN))).toEqual(before);
    expect(await h.slot('acme')).toBeUndefined();
    expect((await h.store.audit({ project: 'acme' }))[0]).toMatchObject({ event: 'project_deleted', actor: ADMIN, from: reference, to: null, detail: { force } });
  });

  it('refuses an unknown project, pointing at list', async () => {
    const refusal = deleteProject({ project: 'nope', force: true }, as(ADMIN));
    await expect(refusal).rejects.toBeInstanceOf(ProjectNotFoundError);
    await expect(refusal).rejects.toMatchObject({ project: 'nope', next: 'list' });
  });

  it.each([
    ['a viewer', VIEWER],
    ['an unknown actor', STRANGER],
  ])('refuses %s, even forced', async (_who, actor) => {
    await h.grantViewer();
    await h.seed('acme', null);
    await expect(deleteProject({ project: 'acme', force: true }, as(actor))).rejects.toBeInstanceOf(ForbiddenError);
    expect(await h.slot('acme')).toBeDefined();
  });
});
