import { describe, expect, it } from 'vitest';
import { runIdSource } from '../../src/lifecycle/run-id.js';

describe('runIdSource', () => {
  it('puts the clock first and 96 random bits after it', () => {
    const values = [0, 0.5, 0.25];
    let next = 0;
    const id = runIdSource(() => new Date(1_700_000_000_000), () => values[next++ % values.length] ?? 0)();
    expect(id).toBe(`${(1_700_000_000_000).toString(36)}-00000000` + '80000000' + '40000000');
  });

  it('gives distinct ids for many runs in the same millisecond', () => {
    const source = runIdSource(() => new Date(0), Math.random);
    const ids = new Set(Array.from({ length: 10_000 }, source));
    expect(ids.size).toBe(10_000);
    for (const id of ids) expect(id).toMatch(/^0-[0-9a-f]{24}$/);
  });
});
