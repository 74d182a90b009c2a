import { sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SignaturePolicy, SignatureVerdict } from '../../src/domain/index.js';
import { InternalError } from '../../src/errors.js';
import { keyLabel, verifySignatures, type SignatureLookup } from '../../src/trust/index.js';
import { DIGEST, OTHER_DIGEST, REPOSITORY, ecdsaKey, ed25519Key, foundOf, lookupOf, payloadOf, policyOf, pssSign, rsaKey } from './support.js';

const ec = ecdsaKey();
const rsa = rsaKey();
const ed = ed25519Key();
const stranger = ecdsaKey();
const expected = { digest: DIGEST, repository: REPOSITORY };
const good = payloadOf(REPOSITORY);
const LOOKED = ['tag sha256-abab….sig: not found', 'referrers: not offered'];

const trusted = (key: typeof ec, source: 'tag' | 'referrers' = 'tag'): SignatureVerdict => ({ status: 'trusted', key: key.trusted.fingerprint, source });
const untrusted = (detail: string): SignatureVerdict => ({ status: 'untrusted', reason: `not signed by a trusted key (${detail})`, unavailable: false });

interface Case {
  readonly name: string;
  readonly lookup: SignatureLookup;
  readonly policy?: SignaturePolicy;
  readonly expected?: { digest: string; repository: string };
  readonly verdict: SignatureVerdict;
}

const cases: Case[] = [
  { name: 'an ECDSA P-256 signature by the key', lookup: lookupOf([foundOf(good, ec.sign(good))]), verdict: trusted(ec) },
  { name: 'an RSA PKCS#1 v1.5 signature by the key', lookup: lookupOf([foundOf(good, rsa.sign(good))]), policy: policyOf(rsa), verdict: trusted(rsa) },
  { name: 'an RSA-PSS signature, salt as long as the hash (KMS)', lookup: lookupOf([foundOf(good, pssSign(rsa, good, 32))]), policy: policyOf(rsa), verdict: trusted(rsa) },
  { name: 'an RSA-PSS signature, longest salt (Go’s default)', lookup: lookupOf([foundOf(good, pssSign(rsa, good, 222))]), policy: policyOf(rsa), verdict: trusted(rsa) },
  { name: 'an Ed25519 signature by the key', lookup: lookupOf([foundOf(good, ed.sign(good))]), policy: policyOf(ed), verdict: trusted(ed) },
  { name: 'a signature by the second key of the policy', lookup: lookupOf([foundOf(good, ed.sign(good), 'referrers')]), policy: policyOf(ec, rsa, ed), verdict: trusted(ed, 'referrers') },
  {
    name: 'a good signature after bad ones',
    lookup: lookupOf([foundOf(good, stranger.sign(good)), foundOf(good, { malformed: 'not base64' }), foundOf(good, ec.sign(good), 'referrers')]),
    verdict: trusted(ec, 'referrers'),
  },
  { name: 'a tag in docker-reference (ignored)', lookup: lookupOf([foundOf(payloadOf(`${REPOSITORY}:1.4`), ec.sign(payloadOf(`${REPOSITORY}:1.4`)))]), verdict: trusted(ec) },
  {
    name: 'a digest in docker-reference (ignored, even another one)',
    lookup: lookupOf([foundOf(payloadOf(`${REPOSITORY}@${OTHER_DIGEST}`), ec.sign(payloadOf(`${REPOSITORY}@${OTHER_DIGEST}`)))]),
    verdict: trusted(ec),
  },
  ...['alpine', 'library/alpine', 'docker.io/library/alpine', 'index.docker.io/library/alpine', 'alpine:3.20'].map((reference) => ({
    name: `docker-reference ${reference} for docker.io/library/alpine`,
    lookup: lookupOf([foundOf(payloadOf(reference), ec.sign(payloadOf(reference)))]),
    expected: { digest: DIGEST, repository: 'docker.io/library/alpine' },
    verdict: trusted(ec),
  })),
  {
    name: 'docker-reference docker.io/library/alpine for an expected repository spelled alpine',
    lookup: lookupOf([foundOf(payloadOf('docker.io/library/alpine'), ec.sign(payloadOf('docker.io/library/alpine')))]),
    expected: { digest: DIGEST, repository: 'alpine' },
    verdict: trusted(ec),
  },

  { name: 'no signature at all', lookup: lookupOf([], LOOKED), verdict: untrusted('no signature found: tag sha256-abab….sig: not found; referrers: not offered') },
  { name: 'no signature, nothing looked at', lookup: lookupOf([]), verdict: untrusted('no signature found') },
  {
    name: 'no usable signature, a malformed manifest',
    lookup: lookupOf([], ['tag sha256-abab….sig: 1 layer', 'referrers: none'], ['tag sha256-abab….sig: layer 0 has no signature annotation']),
    verdict: untrusted('no signature found: tag sha256-abab….sig: 1 layer; referrers: none; malformed: tag sha256-abab….sig: layer 0 has no signature annotation'),
  },
  { name: 'a signature by a key not in the policy', lookup: lookupOf([foundOf(good, stranger.sign(good))], LOOKED), verdict: untrusted('1 signature, by a key not in the policy') },
  { name: 'an Ed25519 key’s signature checked against an ECDSA policy', lookup: lookupOf([foundOf(good, ed.sign(good))]), verdict: untrusted('1 signature, by a key not in the policy') },
  { name: 'an RSA-PSS signature over SHA-1', lookup: lookupOf([foundOf(good, sign('sha1', good, { key: rsa.privateKey, padding: 6 }))]), policy: policyOf(rsa), verdict: untrusted('1 signature, by a key not in the policy') },
  { name: 'an empty signature', lookup: lookupOf([foundOf(good, new Uint8Array())]), policy: policyOf(ec, rsa, ed), verdict: untrusted('1 signature, by a key not in the policy') },
  { name: 'a malformed signature', lookup: lookupOf([foundOf(good, { malformed: 'annotation dev.cosignproject.cosign/signature is not base64' })]), verdict: untrusted('1 signature, malformed: annotation dev.cosignproject.cosign/signature is not base64') },
  {
    name: 'a valid signature for another digest',
    lookup: lookupOf([foundOf(payloadOf(REPOSITORY, OTHER_DIGEST), ec.sign(payloadOf(REPOSITORY, OTHER_DIGEST)))]),
    verdict: untrusted(`1 signature, valid by ${keyLabel(ec.trusted)} but for another digest ${OTHER_DIGEST}`),
  },
  {
    name: 'a valid signature for the digest in upper case',
    lookup: lookupOf([foundOf(payloadOf(REPOSITORY, `sha256:${'AB'.repeat(32)}`), ec.sign(payloadOf(REPOSITORY, `sha256:${'AB'.repeat(32)}`)))]),
    verdict: untrusted(`1 signature, by ${keyLabel(ec.trusted)} but over a malformed payload: critical.image.docker-manifest-digest "sha256:${'AB'.repeat(32)}" is not a digest: invalid checksum digest format`),
  },
  {
    name: 'a valid signature for another repository',
    lookup: lookupOf([foundOf(payloadOf('evil.example/x:latest'), ec.sign(payloadOf('evil.example/x:latest')))]),
    verdict: untrusted(`1 signature, valid by ${keyLabel(ec.trusted)} but for another repository evil.example/x`),
  },
  {
    name: 'a Docker Hub user repository is not the official image',
    lookup: lookupOf([foundOf(payloadOf('someone/alpine'), ec.sign(payloadOf('someone/alpine')))]),
    expected: { digest: DIGEST, repository: 'alpine' },
    verdict: untrusted(`1 signature, valid by ${keyLabel(ec.trusted)} but for another repository docker.io/someone/alpine`),
  },
  {
    name: 'a valid signature over a malformed payload',
    lookup: lookupOf([foundOf(new TextEncoder().encode('{"critical":{}}'), ec.sign(new TextEncoder().encode('{"critical":{}}')))]),
    verdict: untrusted(`1 signature, by ${keyLabel(ec.trusted)} but over a malformed payload: critical has no identity`),
  },
  {
    name: 'several misses, most useful first, alike ones counted',
    lookup: lookupOf(
      [
        foundOf(good, stranger.sign(good)),
        foundOf(good, { malformed: 'not base64' }),
        foundOf(good, stranger.sign(good)),
        foundOf(payloadOf('evil.example/x'), ec.sign(payloadOf('evil.example/x'))),
        foundOf(payloadOf(REPOSITORY, OTHER_DIGEST), ec.sign(payloadOf(REPOSITORY, OTHER_DIGEST))),
      ],
      LOOKED,
      ['referrers sha256:1234: not an OCI manifest'],
    ),
    verdict: untrusted(
      `5 signatures: 1 valid by ${keyLabel(ec.trusted)} but for another digest ${OTHER_DIGEST}; 1 valid by ${keyLabel(ec.trusted)} but for another repository evil.example/x; ` +
        '2 by a key not in the policy; 1 malformed: not base64; also malformed: referrers sha256:1234: not an OCI manifest',
    ),
  },
  {
    name: 'many kinds of miss: the first four listed, the rest counted',
    lookup: lookupOf(['1', '2', '3', '4', '5', '6'].map((n) => {
      const payload = payloadOf(REPOSITORY, `sha256:${n.repeat(64)}`);
      return foundOf(payload, ec.sign(payload));
    })),
    verdict: untrusted(
      `6 signatures: ${['1', '2', '3', '4'].map((n) => `1 valid by ${keyLabel(ec.trusted)} but for another digest sha256:${n.repeat(64)}`).join('; ')}; 2 more`,
    ),
  },
];

describe('verifySignatures', () => {
  it.each(cases)('$name', ({ lookup, policy, expected: image, verdict }) => {
    expect(verifySignatures(lookup, policy ?? policyOf(ec), image ?? expected)).toEqual(verdict);
  });

  it('does not verify a signature over a re-serialized payload: same JSON, other bytes', () => {
    const signature = ec.sign(good);
    const reserialized = new TextEncoder().encode(JSON.stringify(JSON.parse(new TextDecoder().decode(good)), null, 2));
    expect(JSON.parse(new TextDecoder().decode(reserialized))).toEqual(JSON.parse(new TextDecoder().decode(good)));
    expect(verifySignatures(lookupOf([foundOf(reserialized, signature)]), policyOf(ec), expected)).toEqual(untrusted('1 signature, by a key not in the policy'));
    const trailingNewline = new Uint8Array([...good, 0x0a]);
    expect(verifySignatures(lookupOf([foundOf(trailingNewline, signature)]), policyOf(ec), expected).status).toBe('untrusted');
  });

  it('does not verify a signature with one bit flipped', () => {
    const signature = ec.sign(good);
    signature[10] = (signature[10] ?? 0) ^ 1;
    expect(verifySignatures(lookupOf([foundOf(good, signature)]), policyOf(ec), expected).status).toBe('untrusted');
  });

  it('keeps hostile text out of its reason: one line, no controls, bounded', () => {
    const hostile = `\u001b]0;pwned\u0007\r\n\u2028\u202eFAKE: trusted ${'z'.repeat(2000)}`;
    const badPayload = new TextEncoder().encode(`{"critical":{"identity":{"docker-reference":${JSON.stringify(hostile)}},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"cosign container image signature"},"optional":null}`);
    const many = Array.from({ length: 50 }, (_, i) => foundOf(good, { malformed: `${hostile} ${i}` }));
    const lookup = lookupOf([foundOf(badPayload, ec.sign(badPayload)), ...many], [hostile], Array.from({ length: 20 }, () => hostile));
    const verdict = verifySignatures(lookup, policyOf(ec), expected);
    expect(verdict.status).toBe('untrusted');
    const reason = verdict.status === 'untrusted' ? verdict.reason : '';
    expect(reason).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    expect(reason.length).toBeLessThanOrEqual(700);
    expect(reason).toMatch(/^not signed by a trusted key \(51 signatures: 1 by ecdsa-p256 sha256:[0-9a-f]{12}… but over a malformed payload: critical\.identity\.docker-reference "\\x1b\]0;pwned\\x07\\r\\n\\u2028\\u202eFAKE/);
    expect(reason.endsWith(')')).toBe(true);
  });

  it('says a stored key that no longer reads as itself is damage, not an untrusted image', () => {
    const damaged = { mode: 'enforce' as const, keys: [{ ...ec.trusted, fingerprint: '0'.repeat(64) }] };
    expect(() => verifySignatures(lookupOf([foundOf(good, ec.sign(good))]), damaged, expected)).toThrow(InternalError);
    const garbage = { mode: 'enforce' as const, keys: [{ ...ec.trusted, pem: 'garbage' }] };
    expect(() => verifySignatures(lookupOf([]), garbage, expected)).toThrow('a stored trusted key cannot be read');
  });
});
