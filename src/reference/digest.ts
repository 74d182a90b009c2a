// Digest validation as go-digest v1.0.0 Digest.Validate does it, including its
// order of checks, because that order decides which of three errors the user sees.
import { ERR_DIGEST_INVALID_FORMAT, ERR_DIGEST_INVALID_LENGTH, ERR_DIGEST_UNSUPPORTED } from './errors.js';
import { fail, ok, type ParseResult } from './types.js';

/** Hex length of each algorithm go-digest knows (hash size in bytes * 2). */
const ENCODED_LENGTH: ReadonlyMap<string, number> = new Map([
  ['sha256', 64],
  ['sha384', 96],
  ['sha512', 128],
]);

/**
 * Algorithms whose hash is linked into the docker binaries. go-digest reports an
 * algorithm as available only when its crypto package is linked, so the set is a
 * property of the build; upstream's own test binary has sha256 only.
 */
export const DOCKER_DIGEST_ALGORITHMS: readonly string[] = ['sha256', 'sha384', 'sha512'];

// go-digest's generic shape; only used to pick "format" vs "unsupported".
const anchoredGenericDigestRegexp = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const lowercaseHexRegexp = /^[a-f0-9]*$/;

/** Returns the digest unchanged when valid, else go-digest's error text. */
export function validateDigest(
  digest: string,
  available: readonly string[] = DOCKER_DIGEST_ALGORITHMS,
): ParseResult<string> {
  const colon = digest.indexOf(':');
  if (colon <= 0 || colon + 1 === digest.length) return fail(ERR_DIGEST_INVALID_FORMAT);

  const algorithm = digest.slice(0, colon);
  const encoded = digest.slice(colon + 1);
  const length = available.includes(algorithm) ? ENCODED_LENGTH.get(algorithm) : undefined;
  if (length === undefined) {
    return fail(anchoredGenericDigestRegexp.test(digest) ? ERR_DIGEST_UNSUPPORTED : ERR_DIGEST_INVALID_FORMAT);
  }
  // Length before content: a short uppercase digest reports "length", not "format".
  if (encoded.length !== length) return fail(ERR_DIGEST_INVALID_LENGTH);
  if (!lowercaseHexRegexp.test(encoded)) return fail(ERR_DIGEST_INVALID_FORMAT);
  return ok(digest);
}
