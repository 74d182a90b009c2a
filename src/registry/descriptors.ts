import { AnswerProblem, quoted } from './answer.js';
import { isSha256Digest } from './content.js';
import { MANIFEST_TYPES, OCI_INDEX } from './media-types.js';

/**
 * The JSON a signature lookup reads (OCI image spec: descriptors, image manifests, image indexes),
 * checked as far as the lookup relies on it. Whatever does not hold is an AnswerProblem.
 */

export interface Descriptor {
  readonly mediaType: string;
  /** Always sha256: the only algorithm we verify, so the only one we fetch by. */
  readonly digest: string;
  readonly size: number;
  readonly artifactType: string | undefined;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface ImageManifest {
  readonly layers: readonly unknown[];
  /** The subject's digest (OCI 1.1), when the manifest names one. */
  readonly subject: string | undefined;
}

export interface ImageIndex {
  readonly manifests: readonly unknown[];
}

export function descriptorOf(value: unknown): Descriptor {
  if (!isRecord(value)) throw new AnswerProblem('a descriptor that is not an object');
  const { mediaType, digest, size, artifactType, annotations } = value;
  if (typeof mediaType !== 'string') throw new AnswerProblem('a descriptor without a media type');
  if (!isSha256Digest(digest)) throw new AnswerProblem(`a descriptor whose digest ${quoted(digest)} is not sha256:<64 hex>`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new AnswerProblem(`a descriptor whose size ${quoted(size)} is not a byte count`);
  return { mediaType, digest, size, artifactType: typeof artifactType === 'string' ? artifactType : undefined, annotations: stringsOf(annotations) };
}

export function imageManifestOf(bytes: Uint8Array, contentType: string | null): ImageManifest {
  const body = jsonObject(bytes, 'manifest');
  const type = mediaTypeOf(body, contentType);
  if (!MANIFEST_TYPES.includes(type)) throw new AnswerProblem(`not an image manifest (media type ${quoted(type)})`);
  if (!Array.isArray(body.layers)) throw new AnswerProblem('a manifest without a layers list');
  const subject = isRecord(body.subject) && typeof body.subject.digest === 'string' ? body.subject.digest : undefined;
  return { layers: body.layers, subject };
}

export function imageIndexOf(bytes: Uint8Array, contentType: string | null): ImageIndex {
  const body = jsonObject(bytes, 'index');
  const type = mediaTypeOf(body, contentType);
  if (type !== OCI_INDEX) throw new AnswerProblem(`not an image index (media type ${quoted(type)})`);
  if (!Array.isArray(body.manifests)) throw new AnswerProblem('an index without a manifests list');
  return { manifests: body.manifests };
}

function jsonObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new AnswerProblem(`${what} is not JSON`);
  }
  if (!isRecord(value)) throw new AnswerProblem(`${what} is not a JSON object`);
  return value;
}

/** The body's own mediaType, else the Content-Type's (OCI lets a manifest leave it out). */
function mediaTypeOf(body: Record<string, unknown>, contentType: string | null): string {
  if (typeof body.mediaType === 'string') return body.mediaType;
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function stringsOf(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
