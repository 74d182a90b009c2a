import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultImage, listProjects, resolveProject, showProject, type ReadDeps } from '../../src/commands/read.js';
import { setImage } from '../../src/commands/set.js';
import { DEFAULT_SUBJECT, projectSubject } from '../../src/domain/index.js';
import { NotLaunchableError, ProjectNotFoundError } from '../../src/errors.js';
import { permit } from '../../src/lifecycle/authorization.js';
import { ADMIN, DIGEST, DIGEST_2, HOST, REF, REF_2, good, harness, pinOf, setInput, without, type Harness } from './support.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => h.store.close());

const ENV_REF = 'docker.io/acme/fallback:latest';
const reads = (envDefault?: string): ReadDeps => ({ store: async () => h.store, envDefault });

/** Each status a project can be in, set up through the real commands. */
const states = {
  verified: async () => {
    h.docker.publish(REF, DIGEST, good('sha256:img1'));
    await h.seed('acme', REF);
  },
  pending: async () => {
    await h.seed('acme', REF, { validate: false });
  },
  failed: async () => {
    h.docker.publish(REF, DIGEST, without('sha256:nogit', 'git'));
    await h.seed('acme', REF);
  },
  'on the default': async () => {
    await h.seed('acme', null);
  },
};

async function setDefault(reference: string, validate = true): Promise<void> {
  await setImage(setInput({ subject: DEFAULT_SUBJECT, reference, create: false, validate }), h.setDeps(ADMIN, { listener: () => undefined }));
}

describe('showProject', () => {
  it('shows a verified slot with its last run and no abandoned reason', async () => {
    await states.verified();
    const shown = await showProject('acme', { ...reads(), here: () => h.here() });
    expect(shown.slot).toMatchObject({ reference: REF, status: 'verified', digest: pinOf(DIGEST) });
    expect(shown.lastRun).toMatchObject({ outcome: 'verified', generation: 1 });
    expect(shown.abandoned).toBeUndefined();
    expect(shown.globalDefault).toEqual({ source: 'none' });
  });

  it('explains a pending slot no run ever worked on', async () => {
    await states.pending();
    const shown = await showProject('acme', { ...reads(), here: () => h.here() });
    expect(shown.lastRun).toBeUndefined();
    expect(shown.abandoned).toMatch(/no validation has run/);
  });

  it.each([
    ['its owner still runs', true, undefined],
    ['its owner is gone', false, /is gone/],
  ])('for a pending slot whose run is under way and %s', async (_what, alive, abandoned) => {
    await states.pending();
    const slot = await h.slot('acme');
    await h.store.beginRun(
      { runId: 'run-live', subject: projectSubject('acme'), generation: slot!.generation, reference: REF, owner: { pid: 4242, host: HOST }, leaseMs: 600_000 },
      permit('revalidate', ADMIN),
    );
    const shown = await showProject('acme', { ...reads(), here: () => h.here(() => alive) });
    expect(shown.lastRun?.runId).toBe('run-live');
    if (abandoned === undefined) expect(shown.abandoned).toBeUndefined();
    else expect(shown.abandoned).toMatch(abandoned);
  });

  it('ignores a run of an older generation when judging a pending slot', async () => {
    await states.verified();
    await h.seed('acme', REF_2, { validate: false });
    const shown = await showProject('acme', { ...reads(), here: () => h.here() });
    expect(shown.lastRun).toMatchObject({ outcome: 'verified', generation: 1 });
    expect(shown.abandoned).toMatch(/no validation has run/);
  });

  it('refuses an unknown project, pointing at list', async () => {
    await expect(showProject('nope', { ...reads(), here: () => h.here() })).rejects.toMatchObject({ name: 'ProjectNotFoundError', next: 'list' });
  });
});

describe('listProjects', () => {
  it('lists every project by id, with or without an image, and never the default', async () => {
    await setDefault(REF, false);
    await h.seed('zeta', REF, { validate: false });
    await h.seed('acme', null);
    const projects = await listProjects(reads());
    expect(projects.map((slot) => [slot.subject, slot.reference])).toEqual([
      [projectSubject('acme'), null],
      [projectSubject('zeta'), REF],
    ]);
  });

  it('is empty for an empty store', async () => {
    expect(await listProjects(reads())).toEqual([]);
  });
});

describe('defaultImage', () => {
  it('prefers the stored default over the environment', async () => {
    await setDefault(REF, false);
    const found = await defaultImage(reads(ENV_REF));
    expect(found).toMatchObject({ source: 'store', slot: { subject: DEFAULT_SUBJECT, reference: REF } });
  });

  it.each([
    ['set', ENV_REF, { source: 'env', reference: ENV_REF }],
    ['padded', `  ${ENV_REF}\n`, { source: 'env', reference: ENV_REF }],
    ['blank', '   ', { source: 'none' }],
    ['unset', undefined, { source: 'none' }],
  ])('falls back to the environment when nothing is stored (env %s)', async (_what, env, expected) => {
    expect(await defaultImage(reads(env))).toEqual(expected);
  });

  it('ignores a stored default that was cleared', async () => {
    await setDefault(REF, false);
    await setImage(setInput({ subject: DEFAULT_SUBJECT, reference: null, create: false }), h.setDeps(ADMIN, { listener: () => undefined }));
    expect(await defaultImage(reads(ENV_REF))).toEqual({ source: 'env', reference: ENV_REF });
  });
});

describe('resolveProject', () => {
  it('hands out the verified digest, never the tag', async () => {
    await states.verified();
    expect(await resolveProject('acme', reads(ENV_REF))).toEqual({ project: 'acme', image: pinOf(DIGEST), source: 'project', pinKind: 'registry', unvalidated: false, warnings: [] });
  });

  it.each([
    ['pending', 'pending', 75],
    ['failed', 'failed', 1],
  ] as const)('refuses a %s image (situation %s, exit %d), even with a default to fall back on', async (state, situation, exitCode) => {
    await states[state]();
    await setDefault(REF_2, false);
    const refusal = resolveProject('acme', reads(ENV_REF));
    await expect(refusal).rejects.toBeInstanceOf(NotLaunchableError);
    await expect(refusal).rejects.toMatchObject({ situation, exitCode, project: 'acme' });
  });

  it('refuses a project with no image and no default at all: no-image', async () => {
    await states['on the default']();
    await expect(resolveProject('acme', reads())).rejects.toMatchObject({ name: 'NotLaunchableError', situation: 'no-image', exitCode: 1 });
  });

  it('hands out the environment default, marked unvalidated', async () => {
    await states['on the default']();
    expect(await resolveProject('acme', reads(ENV_REF))).toEqual({ project: 'acme', image: ENV_REF, source: 'env-default', pinKind: null, unvalidated: true, warnings: [] });
  });

  it('hands out the stored default only once it is verified', async () => {
    await states['on the default']();
    await setDefault(REF_2, false);
    await expect(resolveProject('acme', reads(ENV_REF))).rejects.toMatchObject({ situation: 'pending', exitCode: 75 });

    h.docker.publish(REF_2, DIGEST_2, good('sha256:img2'));
    await setDefault(REF_2);
    expect(await resolveProject('acme', reads(ENV_REF))).toMatchObject({ image: pinOf(DIGEST_2), source: 'default', unvalidated: false });
  });

  it('refuses an unknown project, pointing at list', async () => {
    const refusal = resolveProject('nope', reads(ENV_REF));
    await expect(refusal).rejects.toBeInstanceOf(ProjectNotFoundError);
    await expect(refusal).rejects.toMatchObject({ project: 'nope', next: 'list' });
  });
});
