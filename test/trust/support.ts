import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { SignaturePolicy, TrustedKey } from '../../src/domain/index.js';
import type { FoundSignature } from '../../src/ports/signatures.js';
import { parseTrustedKey, type SignatureLookup } from '../../src/trust/index.js';

export const DIGEST = `sha256:${'ab'.repeat(32)}`;
export const OTHER_DIGEST = `sha256:${'cd'.repeat(32)}`;
export const REPOSITORY = '127.0.0.1:5000/acme/worker';

/** A key pair made for the test, with its public half as an operator would give it. */
export interface TestKey {
  readonly pem: string;
  readonly privateKey: KeyObject;
  readonly trusted: TrustedKey;
  sign(payload: Uint8Array): Uint8Array;
}

function testKey(pair: { publicKey: KeyObject; privateKey: KeyObject }, signWith: (payload: Uint8Array, key: KeyObject) => Uint8Array): TestKey {
  const pem = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  return { pem, privateKey: pair.privateKey, trusted: parseTrustedKey(pem, 'test.pub'), sign: (payload) => signWith(payload, pair.privateKey) };
}

export const ecdsaKey = (): TestKey => testKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }), (payload, key) => sign('sha256', payload, key));
export const rsaKey = (bits = 2048): TestKey => testKey(generateKeyPairSync('rsa', { modulusLength: bits }), (payload, key) => sign('sha256', payload, key));
export const ed25519Key = (): TestKey => testKey(generateKeyPairSync('ed25519'), (payload, key) => sign(null, payload, key));

/** An RSA-PSS SHA-256 signature, as a KMS key configured for PSS makes it. */
export function pssSign(key: TestKey, payload: Uint8Array, saltLength: number): Uint8Array {
  return sign('sha256', payload, { key: key.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
}

/** The payload bytes `cosign sign` writes: its field order, no spaces. */
export function payloadOf(reference: string, digest = DIGEST, optional: unknown = null): Uint8Array {
  const json = { critical: { identity: { 'docker-reference': reference }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' }, optional };
  return new TextEncoder().encode(JSON.stringify(json));
}

export function foundOf(payload: Uint8Array, signature: FoundSignature['signature'], source: FoundSignature['source'] = 'tag'): FoundSignature {
  return { source, manifest: `sha256:${'ee'.repeat(32)}`, payload, signature };
}

export function lookupOf(found: readonly FoundSignature[], looked: readonly string[] = [], malformed: readonly string[] = []): SignatureLookup {
  return { found, looked, malformed };
}

export function policyOf(...keys: readonly TestKey[]): SignaturePolicy {
  return { mode: 'enforce', keys: keys.map((key) => key.trusted) };
}
