import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { approveDrift, setTrust, showTrust } from '../../src/commands/trust.js';
import { DEFAULT_SUBJECT, projectSubject } from '../../src/domain/index.js';
import { ForbiddenError, NothingToApproveError, ProjectNotFoundError, TrustKeyError } from '../../src/errors.js';
import { newKey } from '../support/keys.js';
import { ADMIN, REF, VIEWER, DIGEST, good, harness, neverOpened, type Harness } from './support.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => h.store.close());

const key = newKey();
const keyText = { text: key.trusted.pem, path: 'team.pub' };
const input = (overrides: Partial<Parameters<typeof setTrust>[0]> = {}) => ({ scope: projectSubject('acme'), signatures: { mode: 'enforce' as const, keys: [keyText] }, validate: true, timeoutMs: 20_000, ...overrides });

describe('setTrust', () => {
  it('re-validates a verified image at once: an unsigned pin is no longer launchable', async () => {
    h.docker.publish(REF, DIGEST, good('sha256:img1'));
    await h.seed('acme', REF);
    const result = await setTrust(input(), h.setDeps(ADMIN, { engine: async () => ({ ...h.newEngine(), signatures: async () => ({ find: async () => ({ found: [], looked: ['tag: not found'], malformed: [] }) }) }) }));
    expect(result).toMatchObject({ changed: true, effective: { signatures: { mode: 'enforce' }, signaturesFrom: 'project', drift: 'repin' } });
    expect(result.outcome).toMatchObject({ outcome: 'failed', verdict: { status: 'failed', cause: 'untrusted' } });
    expect(await h.slot('acme')).toMatchObject({ status: 'failed', digest: null });
  });

  it('parses every key before opening the store: a bad key file is exit 2, nothing stored', async () => {
    let opened = false;
    const deps = h.setDeps(ADMIN, { store: async () => ((opened = true), h.store) });
    await expect(setTrust(input({ signatures: { mode: 'enforce', keys: [{ text: 'not a key', path: 'bad.pub' }] } }), deps)).rejects.toBeInstanceOf(TrustKeyError);
    expect(opened).toBe(false);
  });

  it('sets only the drift part, inherits the default scope\'s keys, and opens no engine for a project without an image', async () => {
    await h.seed('acme', null, { create: true, validate: false });
    await setTrust(input({ scope: DEFAULT_SUBJECT }), h.setDeps(ADMIN, { engine: neverOpened('the engine') }));
    const result = await setTrust({ scope: projectSubject('acme'), drift: 'hold', validate: true, timeoutMs: 20_000 }, h.setDeps(ADMIN, { engine: neverOpened('the engine') }));
    expect(result.effective).toMatchObject({ signaturesFrom: 'default', drift: 'hold', driftFrom: 'project' });
    expect((await showTrust(projectSubject('acme'), { store: async () => h.store })).effective).toEqual(result.effective);
  });

  it('refuses a viewer (nothing stored) and an unknown project', async () => {
    await h.seed('acme', null, { create: true, validate: false });
    await h.grantViewer();
    await expect(setTrust(input({ validate: false }), h.setDeps(VIEWER))).rejects.toBeInstanceOf(ForbiddenError);
    expect((await h.store.policyAssignments()).projects.size).toBe(0);
    await expect(setTrust(input({ scope: projectSubject('nope') }), h.setDeps())).rejects.toBeInstanceOf(ProjectNotFoundError);
  });
});

describe('approveDrift', () => {
  it('says there is nothing to approve when no drift is held', async () => {
    await h.seed('acme', null, { create: true, validate: false });
    await expect(approveDrift(projectSubject('acme'), { store: async () => h.store, storeExists: () => true, actor: ADMIN })).rejects.toBeInstanceOf(NothingToApproveError);
  });
});
