// Upstream Parse: the strict, non-normalizing parser. It takes the reference as
// written ("ubuntu" stays domain '' / path "ubuntu") and is the last step of every
// other parser, so its error precedence is what users end up seeing.
import { DOCKER_DIGEST_ALGORITHMS, validateDigest } from './digest.js';
import {
  ERR_NAME_CONTAINS_UPPERCASE,
  ERR_NAME_EMPTY,
  ERR_NAME_TOO_LONG,
  ERR_REFERENCE_INVALID_FORMAT,
} from './errors.js';
import { anchoredNameRegexp, referenceRegexp } from './grammar.js';
import { goToLower } from './lowercase.js';
import { fail, makeReference, ok, type ParseResult } from './types.js';

/** v0.6 applies this to the path only; the domain does not count. */
export const NAME_TOTAL_LENGTH_MAX = 255;

export interface ParseOptions {
  /** Digest algorithms treated as available (go-digest registration). */
  readonly digestAlgorithms?: readonly string[];
}

/** Splits a grammar-valid name into domain ('' when none) and path; null if not a name. */
export function splitName(name: string): { domain: string; path: string } | null {
  const match = anchoredNameRegexp.exec(name);
  if (!match) return null;
  return { domain: match[1] ?? '', path: match[2] ?? '' };
}

export function parseReference(input: string, options: ParseOptions = {}): ParseResult {
  const match = referenceRegexp.exec(input);
  if (!match) {
    if (input === '') return fail(ERR_NAME_EMPTY);
    // Only blame case when lowercasing alone would have made it parse.
    if (referenceRegexp.test(goToLower(input))) return fail(ERR_NAME_CONTAINS_UPPERCASE);
    return fail(ERR_REFERENCE_INVALID_FORMAT);
  }

  const name = match[1] ?? '';
  // The reference regexp already accepted the name, so the split cannot fail;
  // the fallback mirrors upstream (whole name as path).
  const { domain, path } = splitName(name) ?? { domain: '', path: name };
  if (path.length > NAME_TOTAL_LENGTH_MAX) return fail(ERR_NAME_TOO_LONG);

  const digest = match[3];
  if (digest) {
    const checked = validateDigest(digest, options.digestAlgorithms ?? DOCKER_DIGEST_ALGORITHMS);
    if (!checked.ok) return checked;
  }
  return ok(makeReference({ domain, path, tag: match[2], digest }));
}
