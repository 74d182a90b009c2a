import type { KeyObject } from 'node:crypto';
import type { KeyAlgorithm, TrustedKey } from '../domain/index.js';
import { InternalError, TrustKeyError } from '../errors.js';
import { nodeCrypto } from './crypto.js';
import { decodeBody, readPem } from './pem.js';
import { printable } from './text.js';

/** A public key file is a few hundred bytes (RSA 8192: under 2 KiB); anything far larger is not one. */
const MAX_PEM_CHARS = 16 * 1024;
const MIN_RSA_BITS = 2048;
const CURVE_NAMES: Readonly<Record<string, string>> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/**
 * A trusted key from the text of a PEM file (`source` names the file in errors). Only one
 * `PUBLIC KEY` block (SubjectPublicKeyInfo) is accepted, of the algorithms cosign signs with that
 * the policy can name: ECDSA P-256 (cosign's generate-key-pair), RSA of 2048 bits or more, Ed25519.
 */
export function parseTrustedKey(pem: string, source: string): TrustedKey {
  return readKey(pem, source).trusted;
}

/**
 * The node:crypto key of a policy's key, read again from its PEM and checked against its record:
 * a stored key that no longer reads as itself is damage, not an untrusted image.
 */
export function publicKeyOf(key: TrustedKey): KeyObject {
  let read: { trusted: TrustedKey; object: KeyObject };
  try {
    read = readKey(key.pem, `trusted key ${key.fingerprint.slice(0, 12)}`);
  } catch (error) {
    throw new InternalError(`a stored trusted key cannot be read: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (read.trusted.fingerprint !== key.fingerprint || read.trusted.algorithm !== key.algorithm) {
    throw new InternalError(`a stored trusted key is not what its record says (sha256:${key.fingerprint.slice(0, 12)}…, ${key.algorithm})`);
  }
  return read.object;
}

function readKey(pem: string, source: string): { trusted: TrustedKey; object: KeyObject } {
  if (pem.length > MAX_PEM_CHARS) refuse(source, `${pem.length} characters is far too long for a public key`);
  const { blocks, stray } = readPem(pem);
  const labels = blocks.map((block) => printable(block.label, 40));
  const secret = labels.find((label) => label.includes('PRIVATE KEY'));
  if (secret !== undefined) refuse(source, `it holds a private key (${secret}); give the public key only (like cosign.pub), and keep the private key secret`);
  const [block, ...more] = blocks;
  if (block === undefined) refuse(source, 'no PEM block found (expected -----BEGIN PUBLIC KEY-----)');
  if (more.length > 0) refuse(source, `it holds ${blocks.length} PEM blocks (${labels.join(', ')}); give one key per file`);
  const label = labels[0] ?? '';
  if (block.label !== 'PUBLIC KEY') refuse(source, notAPublicKey(label));
  if (block.endLabel !== 'PUBLIC KEY') refuse(source, 'the PUBLIC KEY block does not end with -----END PUBLIC KEY-----');
  if (stray !== undefined) refuse(source, `line ${stray} is text outside the PEM block`);
  const body = decodeBody(block);
  if ('badLine' in body) refuse(source, body.badLine === undefined ? 'its body is not valid base64' : `line ${body.badLine} of the block is not base64`);
  const { der } = body;

  const crypto = nodeCrypto();
  let parsed: KeyObject;
  try {
    parsed = crypto.createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    refuse(source, 'its body is not a DER SubjectPublicKeyInfo');
  }
  // OpenSSL reads a key and ignores bytes after it; the fingerprint must cover exactly the key.
  if (!parsed.export({ format: 'der', type: 'spki' }).equals(der)) refuse(source, 'its DER holds more than the key (trailing or non-canonical bytes)');
  const trusted = { pem: block.text, fingerprint: crypto.createHash('sha256').update(der).digest('hex'), algorithm: acceptedAlgorithm(parsed, source) };
  return { trusted, object: parsed };
}

/** How reasons and messages name a key: `ecdsa-p256 sha256:ab12cd34ef56…`. */
export function keyLabel(key: Pick<TrustedKey, 'algorithm' | 'fingerprint'>): string {
  return `${key.algorithm} sha256:${key.fingerprint.slice(0, 12)}…`;
}

function refuse(source: string, problem: string): never {
  throw new TrustKeyError(source, problem);
}

function notAPublicKey(label: string): string {
  if (/CERTIFICATE/.test(label)) return `it is a certificate (${label}), not a public key; extract the key with \`openssl x509 -pubkey -noout\``;
  if (label === 'RSA PUBLIC KEY') return 'it is a PKCS#1 RSA key (RSA PUBLIC KEY); convert it to a PUBLIC KEY with `openssl rsa -RSAPublicKey_in -pubout`';
  return `it is a ${label} block, not a PUBLIC KEY`;
}

function acceptedAlgorithm(key: KeyObject, source: string): KeyAlgorithm {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = details.namedCurve;
      if (curve === 'prime256v1') return 'ecdsa-p256';
      return refuse(source, `an ECDSA key on ${curve === undefined ? 'explicit curve parameters' : (CURVE_NAMES[curve] ?? curve)}; only P-256 is accepted`);
    }
    case 'rsa': {
      const bits = details.modulusLength ?? 0;
      if (bits >= MIN_RSA_BITS) return 'rsa';
      return refuse(source, `an RSA key of ${bits} bits; at least ${MIN_RSA_BITS} are needed`);
    }
    case 'ed25519':
      return 'ed25519';
    case 'rsa-pss':
      // cosign (Go's x509) cannot read an id-RSASSA-PSS key: no cosign signature is made with one.
      return refuse(source, 'an RSA key restricted to PSS (id-RSASSA-PSS); give it as a plain RSA key (rsaEncryption)');
    default:
      return refuse(source, `a key of type ${key.asymmetricKeyType ?? 'unknown'}; accepted are ECDSA P-256, RSA (${MIN_RSA_BITS} bits or more) and Ed25519`);
  }
}
