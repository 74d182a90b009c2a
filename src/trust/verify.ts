import type { SignaturePolicy, SignatureVerdict } from '../domain/index.js';
import type { SignatureLookup } from '../ports/signatures.js';
import { parseNormalizedNamed, repositoryName } from '../reference/index.js';
import { publicKeyOf } from './keys.js';
import { parsePayload } from './payload.js';
import { untrustedReason, type Miss } from './reasons.js';
import { signedBy } from './schemes.js';

export type { SignatureLookup };

export interface ExpectedImage {
  /** The manifest digest about to be pinned (`sha256:…`). */
  readonly digest: string;
  /** Its repository, normalized: `127.0.0.1:5000/acme/worker`, `docker.io/library/alpine`. */
  readonly repository: string;
}

/**
 * Trusted when one signature is by a policy key over exactly its payload bytes, and that payload
 * names this digest and this repository; else untrusted, with every signature's miss in the reason.
 * Never `unavailable`: whether the registry could be asked is the caller's to say.
 */
export function verifySignatures(lookup: SignatureLookup, policy: SignaturePolicy, expected: ExpectedImage): SignatureVerdict {
  const keys = policy.keys.map((key) => ({ key, object: publicKeyOf(key) }));
  const repository = normalized(expected.repository);
  const misses: Miss[] = [];
  for (const found of lookup.found) {
    if (!(found.signature instanceof Uint8Array)) {
      misses.push({ kind: 'malformed-signature', detail: found.signature.malformed });
      continue;
    }
    const signature = found.signature;
    const signer = keys.find(({ key, object }) => signedBy(object, key.algorithm, found.payload, signature))?.key;
    // Only a verified payload is read: what an unknown key signed is nobody's word.
    if (signer === undefined) {
      misses.push({ kind: 'unknown-key' });
      continue;
    }
    const payload = parsePayload(found.payload);
    if (!payload.ok) misses.push({ kind: 'malformed-payload', key: signer, reason: payload.reason });
    else if (payload.value.manifestDigest !== expected.digest) misses.push({ kind: 'other-digest', key: signer, digest: payload.value.manifestDigest });
    else if (payload.value.repository !== repository) misses.push({ kind: 'other-repository', key: signer, repository: payload.value.repository });
    else return { status: 'trusted', key: signer.fingerprint, source: found.source };
  }
  return { status: 'untrusted', reason: untrustedReason(misses, lookup), unavailable: false };
}

/** Both sides through the same grammar, so `alpine` and `docker.io/library/alpine` compare equal. */
function normalized(repository: string): string {
  const parsed = parseNormalizedNamed(repository);
  return parsed.ok ? repositoryName(parsed.value) : repository;
}
