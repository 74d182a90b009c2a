import type { KeyObject } from 'node:crypto';
import type { KeyAlgorithm } from '../domain/index.js';
import { nodeCrypto } from './crypto.js';

/**
 * Whether `signature` is the key's over exactly `payload`, by the schemes cosign signs a
 * simple-signing payload with (sigstore's signature package):
 * - ECDSA P-256: SHA-256, ASN.1 DER signature (what `cosign generate-key-pair` keys make);
 * - RSA: PKCS#1 v1.5 with SHA-256 (cosign's signer for an RSA key file), and RSASSA-PSS with
 *   SHA-256 and any salt length, which cosign makes through a KMS key configured for PSS;
 * - Ed25519: pure Ed25519 over the payload. Ed25519ph (pre-hashed) cannot be checked with node:crypto.
 * Never throws: a signature that cannot even be read is simply not the key's.
 */
export function signedBy(key: KeyObject, algorithm: KeyAlgorithm, payload: Uint8Array, signature: Uint8Array): boolean {
  const { constants, verify } = nodeCrypto();
  try {
    switch (algorithm) {
      case 'ecdsa-p256':
        return verify('sha256', payload, { key, dsaEncoding: 'der' }, signature);
      case 'rsa':
        return (
          verify('sha256', payload, { key, padding: constants.RSA_PKCS1_PADDING }, signature) ||
          verify('sha256', payload, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature)
        );
      case 'ed25519':
        return verify(null, payload, key, signature);
    }
  } catch {
    return false;
  }
}
