// Value types shared by every parser. References are plain frozen data so that
// callers can compare, serialise and log them without methods getting in the way.

export interface ImageReference {
  /** Registry host[:port]; '' when upstream Parse found no domain. */
  readonly domain: string;
  readonly path: string;
  /** Absent when not tagged (Go's empty tag). */
  readonly tag?: string;
  /** Absent when not digested. */
  readonly digest?: string;
}

/** What ParseAnyReference returns for a bare digest or 64-hex image ID. */
export interface DigestReference {
  readonly digest: string;
}

export type AnyReference = ImageReference | DigestReference;

export type ParseResult<T = ImageReference> = { ok: true; value: T } | { ok: false; error: string };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}

export function isNamedReference(ref: AnyReference): ref is ImageReference {
  return 'path' in ref;
}

interface ReferenceParts {
  domain: string;
  path: string;
  tag?: string | undefined;
  digest?: string | undefined;
}

/** Builds a reference, leaving out empty tag/digest (Go treats "" as "none"). */
export function makeReference(parts: ReferenceParts): ImageReference {
  const ref: { domain: string; path: string; tag?: string; digest?: string } = {
    domain: parts.domain,
    path: parts.path,
  };
  if (parts.tag) ref.tag = parts.tag;
  if (parts.digest) ref.digest = parts.digest;
  return Object.freeze(ref);
}

export function makeDigestReference(digest: string): DigestReference {
  return Object.freeze({ digest });
}
