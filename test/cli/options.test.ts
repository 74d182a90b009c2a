import { describe, expect, it } from 'vitest';
import { concurrencyOf, limitOf, sinceOf, timeoutOf } from '../../src/cli/options.js';
import { UsageError } from '../../src/errors.js';

const NOW = new Date('2026-12-01T12:00:00Z');

describe('--timeout', () => {
  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1m30s', 90_000],
    ['24h', 86_400_000],
    ['1s', 1000],
    ['30', 30_000],
  ])('%s → %i ms', (text, ms) => expect(timeoutOf(text)).toBe(ms));

  it.each(['600h', '9999999999h', '25h', '500ms', '0', '', 'soon', '-5s', '1e3s', `${'9'.repeat(400)}s`])('refuses %j with the bounds (exit 2)', (text) => {
    expect(() => timeoutOf(text)).toThrow(UsageError);
    expect(() => timeoutOf(text)).toThrow(/--timeout must be a duration from 1s to 24h/);
  });
});

describe('--since', () => {
  it('takes a duration back from now, or an ISO time', () => {
    expect(sinceOf('24h', NOW)).toBe('2026-11-30T12:00:00.000Z');
    expect(sinceOf('2026-11-28T06:00:00Z', NOW)).toBe('2026-11-28T06:00:00.000Z');
  });
  it.each(['99999999999h', 'yesterday-ish', 'Nov 28 2026', '2026-13-45'])('refuses %j (exit 2, never a crash)', (text) => {
    expect(() => sinceOf(text, NOW)).toThrow(UsageError);
  });
});

describe('whole-number options: one grammar, documented bounds', () => {
  it.each([
    [limitOf, '1', 1],
    [limitOf, '50', 50],
    [limitOf, '1000000', 1_000_000],
    [concurrencyOf, '1', 1],
    [concurrencyOf, '32', 32],
  ] as const)('%o(%s) → %i', (parse, text, value) => expect(parse(text)).toBe(value));

  it.each([
    [limitOf, '99999999999999999999', /--limit must be a whole number from 1 to 1000000/],
    [limitOf, '1e2', /--limit must be a whole number/],
    [limitOf, '0', /--limit/],
    [limitOf, '2.5', /--limit/],
    [limitOf, '0x10', /--limit/],
    [limitOf, '-1', /--limit/],
    [concurrencyOf, '1e2', /--concurrency must be a whole number from 1 to 32/],
    [concurrencyOf, '33', /--concurrency/],
  ] as const)('refuses %o(%j)', (parse, text, message) => {
    expect(() => parse(text)).toThrow(UsageError);
    expect(() => parse(text)).toThrow(message);
  });
});
