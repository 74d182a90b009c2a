import { parseNormalizedNamed, repositoryName, validateDigest } from '../reference/index.js';
import { printable, quoted } from './text.js';

/** critical.type of what `cosign sign` signs: the simple-signing payload of containers-signature(5). */
export const SIMPLE_SIGNING_TYPE = 'cosign container image signature';

export interface SimpleSigningPayload {
  /** critical.identity.docker-reference, as written. */
  readonly dockerReference: string;
  /** The repository it names, normalized (`alpine` → `docker.io/library/alpine`); a tag or digest in it is dropped. */
  readonly repository: string;
  /** critical.image.docker-manifest-digest: the manifest the signature vouches for. */
  readonly manifestDigest: string;
  /** Never decides anything: kept as found (null when absent). */
  readonly optional: Readonly<Record<string, unknown>> | null;
}

export type PayloadParse = { readonly ok: true; readonly value: SimpleSigningPayload } | { readonly ok: false; readonly reason: string };

type Json = Readonly<Record<string, unknown>>;

/**
 * A simple-signing payload from its exact bytes. Strict where a verdict depends on it: `critical`
 * and its parts must hold exactly their fields, of the right types (an unknown critical field is a
 * claim we would ignore unread). Lenient where nothing does: `optional` may hold anything, or be null or absent.
 */
export function parsePayload(bytes: Uint8Array): PayloadParse {
  let text: string;
  try {
    // ignoreBOM keeps a byte-order mark, so JSON.parse refuses it, as Go's encoding/json does.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return fail('not UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail(`not JSON (${bytes.length} bytes, starting ${quoted(text, 24)})`);
  }
  const top = exactly(json, 'the payload', ['critical'], ['optional']);
  if (typeof top === 'string') return fail(top);
  const critical = top['critical'];
  if (isObject(critical) && typeof critical['type'] === 'string' && critical['type'] !== SIMPLE_SIGNING_TYPE) {
    return fail(`critical.type is ${quoted(critical['type'])}, not "${SIMPLE_SIGNING_TYPE}"`);
  }
  const checked = exactly(critical, 'critical', ['identity', 'image', 'type']);
  if (typeof checked === 'string') return fail(checked);
  if (typeof checked['type'] !== 'string') return fail(`critical.type is ${kind(checked['type'])}, not a string`);
  const identity = exactly(checked['identity'], 'critical.identity', ['docker-reference']);
  if (typeof identity === 'string') return fail(identity);
  const image = exactly(checked['image'], 'critical.image', ['docker-manifest-digest']);
  if (typeof image === 'string') return fail(image);

  const reference = identity['docker-reference'];
  const digest = image['docker-manifest-digest'];
  if (typeof reference !== 'string') return fail(`critical.identity.docker-reference is ${kind(reference)}, not a string`);
  if (typeof digest !== 'string') return fail(`critical.image.docker-manifest-digest is ${kind(digest)}, not a string`);
  // The grammar's errors quote their input, so they are outside text too.
  const validDigest = validateDigest(digest);
  if (!validDigest.ok) return fail(`critical.image.docker-manifest-digest ${quoted(digest, 80)} is not a digest: ${printable(validDigest.error)}`);
  const named = parseNormalizedNamed(reference);
  if (!named.ok) return fail(`critical.identity.docker-reference ${quoted(reference)} is not an image reference: ${printable(named.error)}`);

  const optional = top['optional'];
  if (optional !== undefined && optional !== null && !isObject(optional)) return fail(`optional is ${kind(optional)}, not an object or null`);
  return {
    ok: true,
    value: { dockerReference: reference, repository: repositoryName(named.value), manifestDigest: digest, optional: optional ?? null },
  };
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

/** `value` as an object with every `required` field, and no field outside `required` and `allowed`; else what is wrong. */
function exactly(value: unknown, where: string, required: readonly string[], allowed: readonly string[] = []): Json | string {
  if (!isObject(value)) return `${where} is ${kind(value)}, not an object`;
  const missing = required.find((field) => !Object.hasOwn(value, field));
  if (missing !== undefined) return `${where} has no ${missing}`;
  const unknown = Object.keys(value).find((field) => !required.includes(field) && !allowed.includes(field));
  if (unknown !== undefined) return `${where} has an unknown field ${quoted(unknown, 40)}`;
  return value;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kind(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
