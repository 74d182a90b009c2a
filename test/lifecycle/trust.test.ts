import { createPrivateKey, sign } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { projectSubject, type ImageSlot, type SignatureMode } from '../../src/domain/index.js';
import { RegistryUnavailableError } from '../../src/errors.js';
import { permit } from '../../src/lifecycle/authorization.js';
import { changeImage } from '../../src/lifecycle/change.js';
import { validateSlot, type ValidatorDeps } from '../../src/lifecycle/validator.js';
import { validatorDeps } from '../support/validator-deps.js';
import type { SignatureLookup, SignatureSource, SignatureTarget } from '../../src/ports/signatures.js';
import type { StorePort } from '../../src/ports/store.js';
import { FakeDocker, GOOD_TOOLS } from '../support/fake-docker.js';
import { newKey } from '../support/keys.js';
import { ADMIN, memoryStore } from '../support/store.js';

const REGISTRY = 'registry.test:5000';
const REF = `${REGISTRY}/acme/worker:1.4`;
const DIGEST = `sha256:${'a'.repeat(64)}`;
const MOVED = `sha256:${'b'.repeat(64)}`;
const pin = (digest: string) => `${REGISTRY}/acme/worker@${digest}`;

/** A registry that holds whatever signatures a test signs, or is down. */
class FakeSignatures implements SignatureSource {
  readonly byDigest = new Map<string, SignatureLookup>();
  down = false;
  readonly asked: SignatureTarget[] = [];
  async find(target: SignatureTarget): Promise<SignatureLookup> {
    this.asked.push(target);
    if (this.down) throw new RegistryUnavailableError(REGISTRY, 'connection refused');
    return this.byDigest.get(target.digest) ?? { found: [], looked: [`tag ${target.digest.replace(':', '-')}.sig: not found`, 'referrers: not offered'], malformed: [] };
  }
  /** Signs `digest` as cosign does: the simple-signing payload, ECDSA over its bytes. */
  signWith(privatePem: string, digest: string, claims: { digest?: string; repository?: string } = {}): void {
    const payload = Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': claims.repository ?? `${REGISTRY}/acme/worker` }, image: { 'docker-manifest-digest': claims.digest ?? digest }, type: 'cosign container image signature' }, optional: null }));
    const signature = sign('sha256', payload, createPrivateKey(privatePem));
    this.byDigest.set(digest, { found: [{ source: 'tag', manifest: `sha256:${'c'.repeat(64)}`, payload, signature }], looked: ['tag: 1 signature'], malformed: [] });
  }
}

let store: StorePort;
let docker: FakeDocker;
let signatures: FakeSignatures;
const team = newKey();
const stranger = newKey();

beforeEach(async () => {
  store = await memoryStore();
  docker = new FakeDocker();
  signatures = new FakeSignatures();
});
afterEach(async () => store.close());

function deps(): ValidatorDeps {
  return validatorDeps({ docker, store, signatures });
}

async function setRef(): Promise<ImageSlot> {
  return (await changeImage(store, { subject: projectSubject('acme'), reference: REF, actor: ADMIN, create: true, allowLocal: false, via: 'test' })).after;
}
const current = async () => (await store.getSlot(projectSubject('acme')))!;
const validate = async (slot?: ImageSlot) => validateSlot(deps(), slot ?? (await current()), { actor: ADMIN, timeoutMs: 20_000 });
const policy = (mode: SignatureMode | null, drift?: 'hold' | 'repin') =>
  store.setPolicy(projectSubject('acme'), { ...(mode === null ? {} : { signatures: { mode, keys: [team.trusted] } }), ...(drift === undefined ? {} : { drift }) }, ADMIN, permit('change', ADMIN));

describe('signatures before the pin', () => {
  it('enforce: a correctly signed digest is verified and pinned', async () => {
    await setRef();
    await policy('enforce');
    docker.publish(REF, DIGEST, { id: 'sha256:img1', tools: GOOD_TOOLS });
    signatures.signWith(team.privatePem, DIGEST);
    expect((await validate()).verdict).toMatchObject({ status: 'verified', digest: pin(DIGEST), warnings: [] });
    expect(signatures.asked).toEqual([{ domain: REGISTRY, repository: 'acme/worker', digest: DIGEST }]);
  });

  it.each([
    ['unsigned', () => undefined, /^not signed by a trusted key \(no signature found/],
    ['signed by a key not in the policy', () => signatures.signWith(stranger.privatePem, DIGEST), /key not in the policy/],
    ['a signature for another digest', () => signatures.signWith(team.privatePem, DIGEST, { digest: MOVED }), new RegExp(`another digest ${MOVED}`)],
    ['a signature for another repository', () => signatures.signWith(team.privatePem, DIGEST, { repository: 'evil.example/x' }), /another repository/],
  ])('enforce: %s fails and runs no container', async (_name, arrange, reason) => {
    await setRef();
    await policy('enforce');
    docker.publish(REF, DIGEST, { id: 'sha256:img1', tools: GOOD_TOOLS });
    arrange();
    const outcome = await validate();
    expect(outcome.verdict).toMatchObject({ status: 'failed', cause: 'untrusted', reason: expect.stringMatching(reason) });
    expect(docker.calls.run).toHaveLength(0);
    expect(await current()).toMatchObject({ status: 'failed', digest: null });
  });

  it('warn: an unsigned image is verified with a stored warning', async () => {
    await setRef();
    await policy('warn');
    docker.publish(REF, DIGEST, { id: 'sha256:img1', tools: GOOD_TOOLS });
    expect((await validate()).verdict).toMatchObject({ status: 'verified', warnings: [expect.stringMatching(/^signature: not signed by a trusted key/)] });
    expect((await current()).warnings).toEqual([expect.stringMatching(/^signature: /)]);
  });

  it('a registry that cannot be asked is never a pass: enforce fails a new image, keeps a verified pin; warn warns', async () => {
    await setRef();
    docker.publish(REF, DIGEST, { id: 'sha256:img1', tools: GOOD_TOOLS });
    signatures.signWith(team.privatePem, DIGEST);
    await policy('enforce');
    await validate();
    signatures.down = true;
    const kept = await validate();
    expect(kept).toMatchObject({ outcome: 'failed', verdict: { status: 'verified', digest: pin(DIGEST) }, finding: { status: 'failed', cause: 'signatures-unavailable', reason: expect.stringContaining('signatures could not be fetched') } });
    await policy('warn');
    expect((await validate()).verdict).toMatchObject({ status: 'verified', warnings: [expect.stringContaining('signatures could not be fetched')] });
  });

  it('a pinned image that loses its trusted signature (a policy set since) is no longer launchable', async () => {
    await setRef();
    docker.publish(REF, DIGEST, { id: 'sha256:img1', tools: GOOD_TOOLS });
    await validate();
    await policy('enforce');
    expect(await validate()).toMatchObject({ outcome: 'failed', verdict: { status: 'failed', cause: 'untrusted' } });
  });
});

describe('drift under a hold policy', () => {
  it('keeps the old pin, holds the passing drift for approval, and approve takes it', async () => {
    await setRef();
    docker.publish(REF, DIGEST, { id: 'sha256:img1', tools: GOOD_TOOLS });
    await validate();
    await policy(null, 'hold');
    docker.publish(REF, MOVED, { id: 'sha256:img2', tools: { ...GOOD_TOOLS, node: GOOD_TOOLS.node!.replace('v20.0.0', 'v22.3.0') } });
    const held = await validate();
    expect(held).toMatchObject({ outcome: 'drift-held', verdict: { status: 'verified', digest: pin(DIGEST) }, finding: { status: 'verified', digest: pin(MOVED) } });
    expect(await current()).toMatchObject({ status: 'verified', digest: pin(DIGEST), held: { digest: pin(MOVED) } });
    expect((await current()).held?.inventoryChanges).toContainEqual(expect.objectContaining({ tool: 'node', change: 'changed' }));

    const approved = await store.approveDrift(projectSubject('acme'), ADMIN, permit('change', ADMIN));
    expect(approved.after).toMatchObject({ status: 'verified', digest: pin(MOVED), held: null });
    expect(approved.after.generation).toBe(approved.before.generation + 1);
  });

  it('with enforce, a drift to an unsigned image is never re-pinned nor held', async () => {
    await setRef();
    docker.publish(REF, DIGEST, { id: 'sha256:img1', tools: GOOD_TOOLS });
    signatures.signWith(team.privatePem, DIGEST);
    await policy('enforce', 'repin');
    await validate();
    docker.publish(REF, MOVED, { id: 'sha256:img2', tools: GOOD_TOOLS });
    const drift = await validate();
    expect(drift).toMatchObject({ outcome: 'drift-failed', verdict: { digest: pin(DIGEST) }, finding: { cause: 'untrusted' } });
    expect(await current()).toMatchObject({ digest: pin(DIGEST), held: null });
  });
});
