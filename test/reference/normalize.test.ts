import { describe, expect, it } from 'vitest';
import { familiarName, familiarString, referenceString, repositoryName } from '../../src/reference/format.js';
import {
  parseAnyReference,
  parseDockerRef,
  parseNamed,
  parseNormalizedNamed,
  splitDockerDomain,
} from '../../src/reference/normalize.js';
import { isNamedReference, type AnyReference, type ParseResult } from '../../src/reference/types.js';
import { probesFor, vectorsFor, type HeadVerdict, type Vector } from './vectors.js';

function unwrap<T>(result: ParseResult<T>): T {
  if (!result.ok) throw new Error(`expected success, got: ${result.error}`);
  return result.value;
}

/** Validity and error text; returns the value when the vector expects success. */
function checkVerdict<T>(result: ParseResult<T>, valid: boolean, error: string | null): T | undefined {
  expect(result.ok).toBe(valid);
  if (!result.ok) {
    if (error !== null) expect(result.error).toBe(error);
    return undefined;
  }
  return result.value;
}

function checkFields(ref: AnyReference, v: Pick<Vector, 'domain' | 'path' | 'tag' | 'digest' | 'name'>): void {
  if (v.digest !== null) expect(ref.digest ?? '').toBe(v.digest);
  if (v.domain === null && v.path === null && v.tag === null && v.name === null) return;
  if (!isNamedReference(ref)) throw new Error('expected a named reference');
  if (v.domain !== null) expect(ref.domain).toBe(v.domain);
  if (v.path !== null) expect(ref.path).toBe(v.path);
  if (v.tag !== null) expect(ref.tag ?? '').toBe(v.tag);
  if (v.name !== null) expect(repositoryName(ref)).toBe(v.name);
}

describe('parseNormalizedNamed vectors', () => {
  it.each(vectorsFor('ParseNormalizedNamed'))('%s', (_, v) => {
    const ref = checkVerdict(parseNormalizedNamed(v.input), v.valid, v.error);
    if (!ref) return;
    checkFields(ref, v);
    if (v.normalized !== null) expect(referenceString(ref)).toBe(v.normalized);
    if (v.familiar !== null) expect(familiarString(ref)).toBe(v.familiar);
  });
});

describe('parseAnyReference vectors', () => {
  it.each(vectorsFor('ParseAnyReference'))('%s', (_, v) => {
    const ref = checkVerdict(parseAnyReference(v.input), v.valid, v.error);
    if (!ref) return;
    checkFields(ref, v);
    if (v.note?.includes('digest-only')) expect(isNamedReference(ref)).toBe(false);
    if (v.normalized !== null) expect(referenceString(ref)).toBe(v.normalized);
    if (v.familiar !== null) expect(familiarString(ref)).toBe(v.familiar);
  });
});

describe('parseDockerRef vectors', () => {
  it.each(vectorsFor('ParseDockerRef'))('%s', (_, v) => {
    const ref = checkVerdict(parseDockerRef(v.input), v.valid, v.error);
    if (!ref) return;
    checkFields(ref, v);
    if (v.normalized !== null) expect(referenceString(ref)).toBe(v.normalized);
  });
});

describe('parseNamed vectors', () => {
  it.each(vectorsFor('ParseNamed'))('%s', (_, v) => {
    const ref = checkVerdict(parseNamed(v.input), v.valid, v.error);
    if (ref) checkFields(ref, v);
  });
});

function checkHead(result: ParseResult<AnyReference>, head: HeadVerdict): void {
  const ref = checkVerdict(result, head.valid, head.error);
  if (!ref) return;
  if (head.string != null) expect(referenceString(ref)).toBe(head.string);
  if (head.familiar != null) expect(familiarString(ref)).toBe(head.familiar);
  if (head.domain != null || head.path != null) {
    if (!isNamedReference(ref)) throw new Error('expected a named reference');
    if (head.domain != null) expect(ref.domain).toBe(head.domain);
    if (head.path != null) expect(ref.path).toBe(head.path);
  }
}

describe('engine probes: head ParseNormalizedNamed', () => {
  it.each(probesFor('head_ParseNormalizedNamed'))('%s', (_, probe, head) => {
    checkHead(parseNormalizedNamed(probe.input), head);
  });
});

describe('engine probes: head ParseAnyReference', () => {
  it.each(probesFor('head_ParseAnyReference'))('%s', (_, probe, head) => {
    checkHead(parseAnyReference(probe.input), head);
  });
});

describe('normalization: own cases', () => {
  it.each([
    ['alpine', 'docker.io', 'library/alpine'],
    ['acme/worker', 'docker.io', 'acme/worker'],
    ['index.docker.io/alpine', 'docker.io', 'library/alpine'],
    ['localhost/x', 'localhost', 'x'],
    ['Registry/x', 'Registry', 'x'],
    ['reg:5000/x', 'reg:5000', 'x'],
    ['a_b/c', 'docker.io', 'a_b/c'],
  ])('splitDockerDomain(%j) -> %s + %s', (input, domain, remainder) => {
    expect(splitDockerDomain(input)).toEqual({ domain, remainder });
  });

  it('refuses a bare 64-hex image ID as a name', () => {
    const id = 'a'.repeat(64);
    expect(parseNormalizedNamed(id)).toEqual({
      ok: false,
      error: `invalid repository name (${id}), cannot specify 64-byte hexadecimal strings`,
    });
  });

  it('names the offending remote in the lowercase error', () => {
    expect(parseNormalizedNamed('acme/Worker:1.0')).toEqual({
      ok: false,
      error: 'invalid reference format: repository name (acme/Worker) must be lowercase',
    });
  });

  it('parseDockerRef adds :latest, keeps tags, and lets a digest drop the tag', () => {
    const digest = `sha256:${'e'.repeat(64)}`;
    expect(referenceString(unwrap(parseDockerRef('alpine')))).toBe('docker.io/library/alpine:latest');
    expect(referenceString(unwrap(parseDockerRef('alpine:3.20')))).toBe('docker.io/library/alpine:3.20');
    expect(unwrap(parseDockerRef(`alpine:3.20@${digest}`))).toEqual({
      domain: 'docker.io',
      path: 'library/alpine',
      digest,
    });
  });

  it('familiarName drops library/ only when no further "/" remains', () => {
    expect(familiarName(unwrap(parseNormalizedNamed('docker.io/library/a')))).toBe('a');
    expect(familiarName(unwrap(parseNormalizedNamed('docker.io/library/a/b')))).toBe('library/a/b');
    expect(familiarName(unwrap(parseNormalizedNamed('example.com/library/a')))).toBe('example.com/library/a');
    expect(familiarName(unwrap(parseNormalizedNamed('alpine:3@sha256:' + 'e'.repeat(64))))).toBe('alpine');
  });

  it('parseNamed accepts only the canonical spelling', () => {
    expect(parseNamed('docker.io/library/alpine:3').ok).toBe(true);
    expect(parseNamed('alpine:3')).toEqual({ ok: false, error: 'repository name must be canonical' });
  });
});
