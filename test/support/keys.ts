import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { KeyAlgorithm, TrustedKey } from '../../src/domain/index.js';

function keyPair(algorithm: KeyAlgorithm): { publicKey: KeyObject; privateKey: KeyObject } {
  switch (algorithm) {
    case 'ecdsa-p256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'rsa':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'ed25519':
      return generateKeyPairSync('ed25519');
  }
}

/** A fresh key pair: the public half as an operator trusts it (normalized PEM, DER fingerprint), and the private half's PEM. */
export function newKey(algorithm: KeyAlgorithm = 'ecdsa-p256'): { readonly trusted: TrustedKey; readonly privatePem: string } {
  const { publicKey, privateKey } = keyPair(algorithm);
  return {
    trusted: {
      pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      fingerprint: createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex'),
      algorithm,
    },
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export const trustedKey = (algorithm: KeyAlgorithm = 'ecdsa-p256'): TrustedKey => newKey(algorithm).trusted;
