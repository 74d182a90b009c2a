/**
 * What a registry's answers may cost us. A signature lookup runs before every pin, so a hostile or
 * broken registry must not be able to make it download or request without end.
 */

/** One request, from connecting to the last byte of its answer: the engine's bound (src/docker/deadlines.ts). */
export const REQUEST_TIMEOUT_MS = 30_000;
/** A manifest or an index (cosign's are a few hundred bytes). */
export const MANIFEST_LIMIT = 4 * 1024 * 1024;
/** A simple-signing payload blob (cosign's are well under 1 KiB). */
export const PAYLOAD_LIMIT = 1024 * 1024;
/** A token service's answer. */
export const TOKEN_ANSWER_LIMIT = 1024 * 1024;
/** Signatures read per lookup, and signature manifests fetched from the referrers index. */
export const MAX_SIGNATURES = 32;
/** Unusable things listed per lookup; the rest are counted in one line. */
export const MAX_MALFORMED = 32;
/** Pages of a referrers index followed through `Link: <…>; rel="next"`. */
export const MAX_REFERRER_PAGES = 8;
/** Redirects followed for one request (blobs often redirect to a storage host). */
export const MAX_REDIRECTS = 5;

/** "4 MiB", "1 MiB": a limit, for reasons. */
export function mebibytes(bytes: number): string {
  return `${bytes / (1024 * 1024)} MiB`;
}

/** "30s", "0.2s": a deadline, for messages. */
export function seconds(ms: number): string {
  return `${ms / 1000}s`;
}
