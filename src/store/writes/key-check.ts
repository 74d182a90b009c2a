import { createRequire } from 'node:module';
import type { KeyObject } from 'node:crypto';
import type { KeyAlgorithm, SignaturePolicy } from '../../domain/index.js';

/** One normalized PEM block of a public key, nothing else: private key material never reaches the file. */
const PUBLIC_KEY_PEM = /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+\n-----END PUBLIC KEY-----\n$/;

/**
 * A signature policy as the store keeps it: at least one key, each a public key PEM whose
 * fingerprint is the sha256 of its DER and whose algorithm is its own, none twice. The commands
 * read keys before they get here, so a failure is a caller bug; but a stored fingerprint that is
 * not its key's would make every reason naming that key lie.
 */
export function checkSignaturePolicy(policy: SignaturePolicy): void {
  if (policy.mode !== 'enforce' && policy.mode !== 'warn') throw new Error(`unknown signature mode ${JSON.stringify(policy.mode)}`);
  if (policy.keys.length === 0) throw new Error('a signature policy needs at least one trusted key');
  const seen = new Set<string>();
  for (const key of policy.keys) {
    if (!PUBLIC_KEY_PEM.test(key.pem)) throw new Error(`trusted key ${key.fingerprint} is not one normalized public key PEM block`);
    const actual = describeKey(key.pem);
    if (actual.fingerprint !== key.fingerprint) throw new Error(`trusted key fingerprint ${key.fingerprint} does not match its key (${actual.fingerprint})`);
    if (actual.algorithm !== key.algorithm) throw new Error(`trusted key ${key.fingerprint} is ${actual.algorithm ?? 'of an unsupported algorithm'}, not ${key.algorithm}`);
    if (seen.has(key.fingerprint)) throw new Error(`trusted key ${key.fingerprint} is listed twice`);
    seen.add(key.fingerprint);
  }
}

function describeKey(pem: string): { fingerprint: string; algorithm: KeyAlgorithm | undefined } {
  // Required on first use: loading node:crypto costs a visible share of a short command's start.
  const crypto = createRequire(import.meta.filename)('node:crypto') as typeof import('node:crypto');
  const key = crypto.createPublicKey(pem);
  const der = key.export({ type: 'spki', format: 'der' });
  return { fingerprint: crypto.createHash('sha256').update(der).digest('hex'), algorithm: algorithmOf(key) };
}

function algorithmOf(key: KeyObject): KeyAlgorithm | undefined {
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'ed25519') return key.asymmetricKeyType;
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ecdsa-p256';
  return undefined;
}
