import { describe, expect, it } from 'vitest';
import { repositoryName } from '../../src/reference/format.js';
import { parseReference, type ParseOptions } from '../../src/reference/parse.js';
import type { ImageReference, ParseResult } from '../../src/reference/types.js';
import { vectorsFor, type Vector } from './vectors.js';

/**
 * Upstream's reference_test.go binary links crypto/sha256 only, so go-digest
 * reports sha512 as unsupported there; docker binaries link it. Vectors marked
 * with this disagreement are judged under the test binary's registration.
 */
const UPSTREAM_TEST_BINARY: ParseOptions = { digestAlgorithms: ['sha256'] };

function optionsFor(v: Vector): ParseOptions {
  return v.engine20_10_disagreement === 'digest-algorithm-registration' ? UPSTREAM_TEST_BINARY : {};
}

function expectMatchesVector(result: ParseResult, v: Vector): void {
  if (!v.valid) {
    expect(result.ok).toBe(false);
    if (!result.ok && v.error !== null) expect(result.error).toBe(v.error);
    return;
  }
  if (!result.ok) throw new Error(`expected success, got: ${result.error}`);
  const ref: ImageReference = result.value;
  if (v.name !== null) expect(repositoryName(ref)).toBe(v.name);
  if (v.domain !== null) expect(ref.domain).toBe(v.domain);
  if (v.path !== null) expect(ref.path).toBe(v.path);
  if (v.tag !== null) expect(ref.tag ?? '').toBe(v.tag);
  if (v.digest !== null) expect(ref.digest ?? '').toBe(v.digest);
}

describe('parseReference (upstream Parse) vectors', () => {
  it.each(vectorsFor('Parse'))('%s', (_, v) => {
    expectMatchesVector(parseReference(v.input, optionsFor(v)), v);
  });
});

describe('parseReference: own cases', () => {
  const sha512 = `sha512:${'f'.repeat(128)}`;

  it('accepts sha512 under the docker binaries’ registration (the default)', () => {
    const result = parseReference(`validname@${sha512}`);
    expect(result).toEqual({ ok: true, value: { domain: '', path: 'validname', digest: sha512 } });
  });

  it.each([
    ['path of 255 chars', `example.com/${'a'.repeat(255)}`, null],
    ['path of 256 chars', `example.com/${'a'.repeat(256)}`, 'repository name must not be more than 255 characters'],
    ['long domain does not count toward the limit', `${'d'.repeat(60)}.com/${'a'.repeat(255)}`, null],
    ['tag of 128 chars', `repo:${'t'.repeat(128)}`, null],
    ['tag of 129 chars', `repo:${'t'.repeat(129)}`, 'invalid reference format'],
    ['uppercase path', 'Repo', 'repository name must be lowercase'],
    ['U+0130 lowercases to "i" as in Go', '\u0130mage', 'repository name must be lowercase'],
    ['Kelvin sign lowercases to "k"', '\u212Aube', 'repository name must be lowercase'],
    ['non-ASCII letter', 'f\u00f3o', 'invalid reference format'],
    ['uppercase hex digest', `repo@sha256:${'F'.repeat(64)}`, 'invalid checksum digest format'],
  ])('%s', (_, input, error) => {
    const result = parseReference(input);
    if (error === null) expect(result.ok).toBe(true);
    else expect(result).toEqual({ ok: false, error });
  });

  it('omits tag and digest when absent, rather than setting them to ""', () => {
    const result = parseReference('localhost:5000/a/b');
    expect(result).toEqual({ ok: true, value: { domain: 'localhost:5000', path: 'a/b' } });
    if (result.ok) expect(Object.keys(result.value)).toEqual(['domain', 'path']);
  });
});
