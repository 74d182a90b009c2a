import { describe, expect, it } from 'vitest';
import { closest } from '../../../src/formats/contract-file/suggest.js';

describe('closest', () => {
  const keys = ['id', 'kind', 'label', 'severity', 'run', 'exitCode', 'expectOutput', 'rejectOutput', 'range', 'os'];
  it.each([
    ['rnage', 'range'],
    ['exitcode', 'exitCode'],
    ['expectOuptut', 'expectOutput'],
    ['severty', 'severity'],
    ['OS', 'os'],
  ])('%s → %s', (word, meant) => expect(closest(word, keys)).toBe(meant));

  it.each(['ix', 'command', 'zzz'])('suggests nothing for %s', (word) => expect(closest(word, keys)).toBeUndefined());
});
