import { describe, expect, it } from 'vitest';
import { withDigest, withName, withTag } from '../../src/reference/compose.js';
import { referenceString } from '../../src/reference/format.js';
import { parseNormalizedNamed } from '../../src/reference/normalize.js';
import type { ImageReference, ParseResult } from '../../src/reference/types.js';
import { vectorsFor, type Vector } from './vectors.js';

function unwrap<T>(result: ParseResult<T>): T {
  if (!result.ok) throw new Error(`expected success, got: ${result.error}`);
  return result.value;
}

/** The upstream tests start from WithName, or from ParseNormalizedNamed where the note says so. */
function baseFor(v: Vector): ImageReference {
  return unwrap(v.note?.includes('ParseNormalizedNamed') ? parseNormalizedNamed(v.input) : withName(v.input));
}

describe('withName vectors', () => {
  it.each(vectorsFor('WithName'))('%s', (_, v) => {
    const result = withName(v.input);
    expect(result.ok).toBe(v.valid);
    if (!result.ok) {
      if (v.error !== null) expect(result.error).toBe(v.error);
      return;
    }
    if (v.domain !== null) expect(result.value.domain).toBe(v.domain);
    if (v.path !== null) expect(result.value.path).toBe(v.path);
  });
});

describe('withTag vectors (digest, when given, applied first)', () => {
  it.each(vectorsFor('WithTag'))('%s', (_, v) => {
    let ref = baseFor(v);
    if (v.digest) ref = unwrap(withDigest(ref, v.digest));
    const result = withTag(ref, v.tag ?? '');
    expect(result.ok).toBe(v.valid);
    if (result.ok && v.combined !== undefined) expect(referenceString(result.value)).toBe(v.combined);
  });
});

describe('withDigest vectors (tag, when given, applied first)', () => {
  it.each(vectorsFor('WithDigest'))('%s', (_, v) => {
    let ref = baseFor(v);
    if (v.tag) ref = unwrap(withTag(ref, v.tag));
    const result = withDigest(ref, v.digest ?? '');
    expect(result.ok).toBe(v.valid);
    if (result.ok && v.combined !== undefined) expect(referenceString(result.value)).toBe(v.combined);
  });
});

describe('composition: own cases', () => {
  const base = unwrap(withName('example.com/acme/worker'));

  it('reports the reference package’s own error texts', () => {
    expect(withTag(base, 'a'.repeat(129))).toEqual({ ok: false, error: 'invalid tag format' });
    expect(withDigest(base, 'sha256:abc')).toEqual({ ok: false, error: 'invalid digest format' });
  });

  it('accepts a 128-char tag', () => {
    expect(withTag(base, 'a'.repeat(128)).ok).toBe(true);
  });

  it('refuses a tag or digest inside the name', () => {
    expect(withName('acme/worker:1')).toEqual({ ok: false, error: 'invalid reference format' });
  });

  it('limits the path, not the domain, to 255 characters', () => {
    expect(withName(`example.com/${'a'.repeat(255)}`).ok).toBe(true);
    expect(withName(`example.com/${'a'.repeat(256)}`)).toEqual({
      ok: false,
      error: 'repository name must not be more than 255 characters',
    });
  });

  it('replaces an existing tag and keeps the digest', () => {
    const digest = `sha256:${'c'.repeat(64)}`;
    const ref = unwrap(withTag(unwrap(withDigest(unwrap(withTag(base, 'old')), digest)), 'new'));
    expect(ref).toEqual({ domain: 'example.com', path: 'acme/worker', tag: 'new', digest });
  });
});
