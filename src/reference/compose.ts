// Building references from parts (upstream WithName/WithTag/WithDigest). These
// validate only the part they add, so the result need not re-parse: WithDigest
// checks the reference grammar's digest shape, not go-digest's length rules.
import {
  ERR_NAME_TOO_LONG,
  ERR_REFERENCE_DIGEST_INVALID_FORMAT,
  ERR_REFERENCE_INVALID_FORMAT,
  ERR_TAG_INVALID_FORMAT,
} from './errors.js';
import { anchoredDigestRegexp, anchoredTagRegexp } from './grammar.js';
import { NAME_TOTAL_LENGTH_MAX, splitName } from './parse.js';
import { fail, makeReference, ok, type ImageReference, type ParseResult } from './types.js';

/** A name only: no tag or digest allowed, no normalization applied. */
export function withName(name: string): ParseResult {
  const parts = splitName(name);
  if (!parts) return fail(ERR_REFERENCE_INVALID_FORMAT);
  if (parts.path.length > NAME_TOTAL_LENGTH_MAX) return fail(ERR_NAME_TOO_LONG);
  return ok(makeReference(parts));
}

/** Replaces the tag; an existing digest is kept. */
export function withTag(ref: ImageReference, tag: string): ParseResult {
  if (!anchoredTagRegexp.test(tag)) return fail(ERR_TAG_INVALID_FORMAT);
  return ok(makeReference({ domain: ref.domain, path: ref.path, tag, digest: ref.digest }));
}

/** Replaces the digest; an existing tag is kept. */
export function withDigest(ref: ImageReference, digest: string): ParseResult {
  if (!anchoredDigestRegexp.test(digest)) return fail(ERR_REFERENCE_DIGEST_INVALID_FORMAT);
  return ok(makeReference({ domain: ref.domain, path: ref.path, tag: ref.tag, digest }));
}
