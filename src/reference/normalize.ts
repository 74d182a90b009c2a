// Parsing as the docker CLI and daemon see names: "ubuntu" means
// "docker.io/library/ubuntu". ParseNormalizedNamed is the gate; the other parsers
// here are thin policies on top of it.
import { withDigest, withName, withTag } from './compose.js';
import { validateDigest } from './digest.js';
import { ERR_NAME_NOT_CANONICAL, errIdentifierAsName, errNoName, errRemoteNameUppercase } from './errors.js';
import { referenceString, repositoryName } from './format.js';
import { anchoredIdentifierRegexp } from './grammar.js';
import { DEFAULT_DOMAIN, DEFAULT_TAG, LEGACY_DEFAULT_DOMAIN, LOCALHOST, OFFICIAL_REPO_PREFIX } from './hub.js';
import { goToLower } from './lowercase.js';
import { parseReference } from './parse.js';
import {
  fail,
  makeDigestReference,
  ok,
  type DigestReference,
  type ImageReference,
  type ParseResult,
} from './types.js';

/**
 * v0.6 splitDockerDomain. The first component is a registry only if it looks like
 * one ('.' or ':', "localhost", or uppercase, which a path may never contain);
 * otherwise the whole name is a Docker Hub path.
 */
export function splitDockerDomain(name: string): { domain: string; remainder: string } {
  let domain = DEFAULT_DOMAIN;
  let remainder = name;
  const slash = name.indexOf('/');
  if (slash !== -1) {
    const first = name.slice(0, slash);
    const looksLikeRegistry =
      first.includes('.') || first.includes(':') || first === LOCALHOST || goToLower(first) !== first;
    if (looksLikeRegistry) {
      domain = first;
      remainder = name.slice(slash + 1);
    }
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return { domain, remainder };
}

export function parseNormalizedNamed(input: string): ParseResult {
  // A bare image ID would otherwise read as an official image name.
  if (anchoredIdentifierRegexp.test(input)) return fail(errIdentifierAsName(input));

  const { domain, remainder } = splitDockerDomain(input);
  // The remote name ends at the first ':' (tag); a digest's '@' stays in it, as upstream.
  const colon = remainder.indexOf(':');
  const remote = colon === -1 ? remainder : remainder.slice(0, colon);
  if (goToLower(remote) !== remote) return fail(errRemoteNameUppercase(remote));

  // Re-parsing the joined string is deliberate: a "domain" the grammar rejects
  // (e.g. "foo_bar.com") falls back into the path, leaving the domain empty.
  const parsed = parseReference(`${domain}/${remainder}`);
  if (!parsed.ok) return parsed;
  // Unreachable with this grammar (a name always has a path); kept for parity.
  if (parsed.value.path === '') return fail(errNoName(referenceString(parsed.value)));
  return parsed;
}

/** Accepts only input already in canonical form ("docker.io/library/foo", not "foo"). */
export function parseNamed(input: string): ParseResult {
  const parsed = parseNormalizedNamed(input);
  if (!parsed.ok) return parsed;
  if (referenceString(parsed.value) !== input) return fail(ERR_NAME_NOT_CANONICAL);
  return parsed;
}

/** Like the daemon: a 64-hex ID or a valid digest names an image by content, else a name. */
export function parseAnyReference(input: string): ParseResult<ImageReference | DigestReference> {
  if (anchoredIdentifierRegexp.test(input)) return ok(makeDigestReference(`sha256:${input}`));
  if (validateDigest(input).ok) return ok(makeDigestReference(input));
  return parseNormalizedNamed(input);
}

/**
 * The reference docker would actually pull: untagged names get ":latest", and a
 * digest wins over a tag (the tag is dropped since the digest pins the content).
 */
export function parseDockerRef(input: string): ParseResult {
  const parsed = parseNormalizedNamed(input);
  return parsed.ok ? dockerRefOf(parsed.value) : parsed;
}

/** `parseDockerRef` for a reference already parsed with `parseNormalizedNamed`: no second parse. */
export function dockerRefOf(ref: ImageReference): ParseResult {
  if (ref.digest !== undefined) {
    const named = withName(repositoryName(ref));
    return named.ok ? withDigest(named.value, ref.digest) : named;
  }
  if (ref.tag !== undefined) return { ok: true, value: ref };
  return withTag(ref, DEFAULT_TAG);
}
