import { describe, expect, it } from 'vitest';
import { isValidRange } from '../../src/checks/semver-range.js';

describe('isValidRange', () => {
  it.each(['>=20 <23', '^2.40', '1.x || 2.x', '*', '20'])('accepts %s', (range) => expect(isValidRange(range)).toBe(true));
  it.each(['', '  ', 'latest', '>=abc', 'node 20'])('refuses %j', (range) => expect(isValidRange(range)).toBe(false));
});
