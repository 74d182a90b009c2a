// Error texts, byte-for-byte as the Go libraries print them (err.Error()), because
// operators compare our output with what `docker` itself says.

// distribution/reference (reference.go, normalize.go)
export const ERR_NAME_EMPTY = 'repository name must have at least one component';
export const ERR_NAME_CONTAINS_UPPERCASE = 'repository name must be lowercase';
export const ERR_REFERENCE_INVALID_FORMAT = 'invalid reference format';
export const ERR_NAME_TOO_LONG = 'repository name must not be more than 255 characters';
export const ERR_NAME_NOT_CANONICAL = 'repository name must be canonical';
export const ERR_TAG_INVALID_FORMAT = 'invalid tag format';
// reference.ErrDigestInvalidFormat (WithDigest), distinct from go-digest's text below.
export const ERR_REFERENCE_DIGEST_INVALID_FORMAT = 'invalid digest format';

// opencontainers/go-digest v1.0.0 (digest.go); Parse surfaces these unchanged.
export const ERR_DIGEST_INVALID_FORMAT = 'invalid checksum digest format';
export const ERR_DIGEST_INVALID_LENGTH = 'invalid checksum digest length';
export const ERR_DIGEST_UNSUPPORTED = 'unsupported digest algorithm';

export function errIdentifierAsName(input: string): string {
  return `invalid repository name (${input}), cannot specify 64-byte hexadecimal strings`;
}

export function errRemoteNameUppercase(remote: string): string {
  return `invalid reference format: repository name (${remote}) must be lowercase`;
}

export function errNoName(reference: string): string {
  return `reference ${reference} has no name`;
}
