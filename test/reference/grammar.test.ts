import { describe, expect, it } from 'vitest';
import {
  anchoredDigestRegexp,
  anchoredDomainRegexp,
  anchoredIdentifierRegexp,
  anchoredNameRegexp,
  anchoredTagRegexp,
  referenceRegexp,
} from '../../src/reference/grammar.js';
import { vectorsFor } from './vectors.js';

describe('regexp:domain (^domainAndPort$)', () => {
  it.each(vectorsFor('regexp:domain'))('%s', (_, v) => {
    expect(anchoredDomainRegexp.test(v.input)).toBe(v.valid);
  });
});

describe('regexp:name (anchoredNameRegexp)', () => {
  it.each(vectorsFor('regexp:name'))('%s', (_, v) => {
    const match = anchoredNameRegexp.exec(v.input);
    expect(match !== null).toBe(v.valid);
    if (!match) return;
    if (v.domain !== null) expect(match[1] ?? '').toBe(v.domain);
    if (v.path !== null) expect(match[2] ?? '').toBe(v.path);
  });
});

describe('regexp:reference (ReferenceRegexp)', () => {
  it.each(vectorsFor('regexp:reference'))('%s', (_, v) => {
    const match = referenceRegexp.exec(v.input);
    expect(match !== null).toBe(v.valid);
    if (!match) return;
    if (v.name !== null) expect(match[1] ?? '').toBe(v.name);
    if (v.tag !== null) expect(match[2] ?? '').toBe(v.tag);
    if (v.digest !== null) expect(match[3] ?? '').toBe(v.digest);
  });
});

describe('regexp:identifier (^[a-f0-9]{64}$)', () => {
  it.each(vectorsFor('regexp:identifier'))('%s', (_, v) => {
    expect(anchoredIdentifierRegexp.test(v.input)).toBe(v.valid);
  });
});

describe('tag and digest building blocks', () => {
  it.each([
    ['a'.repeat(128), true],
    ['a'.repeat(129), false],
    ['_tag', true],
    ['Tag.With-Mixed_Case', true],
    ['.tag', false],
    ['-tag', false],
    ['', false],
  ])('tag %j -> %s', (tag, valid) => {
    expect(anchoredTagRegexp.test(tag)).toBe(valid);
  });

  it.each([
    [`sha256:${'f'.repeat(32)}`, true],
    [`sha256:${'f'.repeat(31)}`, false],
    [`SHA256+b64:${'F'.repeat(64)}`, true],
    [`2sha:${'f'.repeat(64)}`, false],
    ['foo', false],
  ])('digest %j -> %s', (digest, valid) => {
    expect(anchoredDigestRegexp.test(digest)).toBe(valid);
  });

  it('stays fast on long near-miss input (no catastrophic backtracking)', () => {
    const inputs = [
      `${'a'.repeat(20_000)}!`,
      `${'a-'.repeat(10_000)}!`,
      `${'a.'.repeat(10_000)}/!`,
      `${'ab-'.repeat(7_000)}:x/!`,
      `a/${'a__'.repeat(7_000)}`,
    ];
    const started = Date.now();
    for (const input of inputs) expect(referenceRegexp.test(input)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
