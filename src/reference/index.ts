// Public API of the image reference module (distribution/reference v0.6 semantics).
export type { AnyReference, DigestReference, ImageReference, ParseResult } from './types.js';
export { isNamedReference } from './types.js';
export { parseReference, NAME_TOTAL_LENGTH_MAX, type ParseOptions } from './parse.js';
export { parseNormalizedNamed, parseNamed, parseAnyReference, parseDockerRef, dockerRefOf, splitDockerDomain } from './normalize.js';
export { withName, withTag, withDigest } from './compose.js';
export { referenceString, repositoryName, familiarName, familiarString } from './format.js';
export { validateDigest, DOCKER_DIGEST_ALGORITHMS } from './digest.js';
export { describeReference, type ReferenceReport } from './describe.js';
export {
  anchoredDomainRegexp,
  anchoredNameRegexp,
  referenceRegexp,
  anchoredTagRegexp,
  anchoredDigestRegexp,
  anchoredIdentifierRegexp,
} from './grammar.js';
