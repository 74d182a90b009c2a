import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FoundSignature } from '../../src/ports/signatures.js';
import { keyLabel, parsePayload, parseTrustedKey, verifySignatures } from '../../src/trust/index.js';

/** Real signatures, made by cosign (see test/fixtures/cosign/README.md), verified as found. */
const dir = new URL('../fixtures/cosign/', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, dir));
const key = (path: string) => parseTrustedKey(read(path).toString('utf8'), path);
const policy = (...paths: string[]) => ({ mode: 'enforce' as const, keys: paths.map(key) });
const digestOf = (path: string) => `sha256:${createHash('sha256').update(read(path)).digest('hex')}`;

/** containers/image's stored signature: NUL, "sigstore-json", LF, then {payload, annotations}. */
function signatureFile(path: string): FoundSignature {
  const blob = read(path);
  const header = Buffer.from('\u0000sigstore-json\n');
  expect(blob.subarray(0, header.length).equals(header)).toBe(true);
  const stored = JSON.parse(blob.subarray(header.length).toString('utf8')) as { payload: string; annotations: Record<string, string> };
  const signature = stored.annotations['dev.cosignproject.cosign/signature'] ?? '';
  return { source: 'tag', manifest: path, payload: Buffer.from(stored.payload, 'base64'), signature: Buffer.from(signature, 'base64') };
}

const SINGLE = '192.168.64.2:5000/cosign-signed-single-sample';
const valid = signatureFile('dir-img-cosign-valid/signature-1');
const valid2 = signatureFile('dir-img-cosign-valid-2/signature-2');
const rekor = signatureFile('dir-img-cosign-key-rekor-valid/signature-1');
const withTag = signatureFile('dir-img-cosign-valid-with-tag/signature-1');
const lookup = (...found: FoundSignature[]) => ({ found, looked: [], malformed: [] });
const SINGLE_DIGEST = digestOf('dir-img-cosign-valid/manifest.json');

describe('real cosign signatures', () => {
  it('reads cosign’s public keys as they are (already normalized)', () => {
    const cosign = key('cosign.pub');
    expect(cosign.pem).toBe(read('cosign.pub').toString('utf8'));
    expect(cosign.algorithm).toBe('ecdsa-p256');
    expect(key('cosign2.pub').algorithm).toBe('ecdsa-p256');
  });

  it('reads the payloads cosign wrote, naming the manifests beside them', () => {
    expect(SINGLE_DIGEST).toBe('sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00');
    expect(new TextDecoder().decode(valid.payload)).toBe(
      `{"critical":{"identity":{"docker-reference":"${SINGLE}"},"image":{"docker-manifest-digest":"${SINGLE_DIGEST}"},"type":"cosign container image signature"},"optional":null}`,
    );
    expect(parsePayload(valid.payload)).toEqual({ ok: true, value: { dockerReference: SINGLE, repository: SINGLE, manifestDigest: SINGLE_DIGEST, optional: null } });
    const parsed = parsePayload(rekor.payload);
    expect(parsed.ok && parsed.value.manifestDigest).toBe(digestOf('dir-img-cosign-key-rekor-valid/manifest.json'));
  });

  it.each([
    ['cosign, cosign.pub', valid, 'cosign.pub', SINGLE, SINGLE_DIGEST],
    ['cosign again, same key', valid2, 'cosign.pub', SINGLE, SINGLE_DIGEST],
    ['cosign with Rekor upload, cosign2.pub', rekor, 'cosign2.pub', '192.168.64.2:5000/cosign-signed/key-1', digestOf('dir-img-cosign-key-rekor-valid/manifest.json')],
    ['containers/image, a tag in docker-reference', withTag, 'cosign.pub', '192.168.64.2:5000/skopeo-signed', SINGLE_DIGEST],
  ])('verifies a signature by %s', (_name, found, keyPath, repository, digest) => {
    expect(verifySignatures(lookup(found), policy(keyPath), { digest, repository })).toEqual({ status: 'trusted', key: key(keyPath).fingerprint, source: 'tag' });
  });

  it('trusts with either key of a policy holding both', () => {
    expect(verifySignatures(lookup(rekor, valid), policy('cosign2.pub', 'cosign.pub'), { digest: SINGLE_DIGEST, repository: SINGLE })).toEqual({
      status: 'trusted',
      key: key('cosign.pub').fingerprint,
      source: 'tag',
    });
  });

  it('refuses them for the wrong key, repository or digest, or with one byte changed', () => {
    const image = { digest: SINGLE_DIGEST, repository: SINGLE };
    expect(verifySignatures(lookup(valid), policy('cosign2.pub'), image)).toMatchObject({ status: 'untrusted', reason: 'not signed by a trusted key (1 signature, by a key not in the policy)' });
    expect(verifySignatures(lookup(valid), policy('cosign.pub'), { ...image, repository: '192.168.64.2:5000/other' })).toMatchObject({
      reason: `not signed by a trusted key (1 signature, valid by ${keyLabel(key('cosign.pub'))} but for another repository ${SINGLE})`,
    });
    const otherDigest = `sha256:${'0'.repeat(64)}`;
    expect(verifySignatures(lookup(valid), policy('cosign.pub'), { ...image, digest: otherDigest })).toMatchObject({
      reason: `not signed by a trusted key (1 signature, valid by ${keyLabel(key('cosign.pub'))} but for another digest ${SINGLE_DIGEST})`,
    });
    const tampered = Buffer.from(valid.payload);
    tampered[tampered.length - 2] = 0x20; // one byte: `null}` → `nul }`
    expect(verifySignatures(lookup({ ...valid, payload: tampered }), policy('cosign.pub'), image).status).toBe('untrusted');
  });
});
