// Guards the fixture wiring: every vector belongs to an api some suite runs.
import { describe, expect, it } from 'vitest';
import { fixture, type Api } from './vectors.js';

const covered: readonly Api[] = [
  'Parse', // parse.test.ts
  'ParseNormalizedNamed', // normalize.test.ts
  'ParseAnyReference',
  'ParseDockerRef',
  'ParseNamed',
  'WithName', // compose.test.ts
  'WithTag',
  'WithDigest',
  'regexp:name', // grammar.test.ts
  'regexp:domain',
  'regexp:reference',
  'regexp:identifier',
];

describe('reference-vectors.json', () => {
  it('holds the 347 vectors its counts promise', () => {
    expect(fixture.vectors).toHaveLength(347);
    expect(fixture.counts.total).toBe(347);
  });

  it('has only apis that a suite covers', () => {
    const seen = new Set(fixture.vectors.map((v) => v.api));
    for (const api of seen) expect(covered).toContain(api);
  });

  it('matches the per-api counts', () => {
    const counts: Record<string, number> = {};
    for (const v of fixture.vectors) {
      const key = `${v.api} ${v.valid ? 'valid' : 'invalid'}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    expect(counts).toEqual(fixture.counts.by_api);
  });

  it('has head_* verdicts in its engine probes', () => {
    expect(fixture.engine_probes.filter((p) => p.head_ParseNormalizedNamed)).toHaveLength(71);
    expect(fixture.engine_probes.filter((p) => p.head_ParseAnyReference)).toHaveLength(71);
  });
});
