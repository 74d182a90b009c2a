import { UsageError } from '../errors.js';
import { formatDuration, parseDuration } from '../lifecycle/durations.js';

/**
 * Every numeric and duration option, checked once here against documented bounds: a value
 * outside them is exit 2 with what was wrong and what is allowed, before anything runs.
 */

export const DEFAULT_TIMEOUT = '5m';

const SECOND = 1000;
const HOUR = 3_600_000;

/** A duration option's bounds, in ms: typed as 90s, 5m, 1m30s, 2h (a bare number is seconds). */
export interface DurationBounds {
  readonly min: number;
  readonly max: number;
}

/** --timeout: long enough for one check to answer, short enough for Node's timers (≤ 24.8 days). */
export const TIMEOUT_BOUNDS: DurationBounds = { min: SECOND, max: 24 * HOUR };
/** --since as a duration: at most 100 years back. */
export const SINCE_BOUNDS: DurationBounds = { min: 0, max: 100 * 365 * 24 * HOUR };
export const CONCURRENCY_BOUNDS = { min: 1, max: 32 } as const;
export const LIMIT_BOUNDS = { min: 1, max: 1_000_000 } as const;

export function durationOption(name: string, text: string, bounds: DurationBounds): number {
  const ms = parseDuration(text);
  if (ms === undefined || !Number.isFinite(ms) || ms < bounds.min || ms > bounds.max) {
    throw new UsageError(`${name} must be a duration from ${formatDuration(bounds.min)} to ${formatDuration(bounds.max)}, not ${JSON.stringify(text)}`, {
      hint: 'use a duration such as 90s, 5m, 1m30s or 2h',
    });
  }
  return ms;
}

/** A whole number in decimal digits only: no sign, exponent, fraction or hex (`1e2` is refused). */
export function wholeNumberOption(name: string, text: string, bounds: { readonly min: number; readonly max: number }): number {
  const value = /^[0-9]{1,16}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < bounds.min || value > bounds.max) {
    throw new UsageError(`${name} must be a whole number from ${bounds.min} to ${bounds.max}, not ${JSON.stringify(text)}`);
  }
  return value;
}

export function timeoutOf(text: string | undefined): number {
  return durationOption('--timeout', text ?? DEFAULT_TIMEOUT, TIMEOUT_BOUNDS);
}

/** --since: a duration back from now, or an ISO 8601 time. */
export function sinceOf(text: string, now: Date): string {
  if (parseDuration(text) !== undefined) return new Date(now.getTime() - durationOption('--since', text, SINCE_BOUNDS)).toISOString();
  const time = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text.trim()) || Number.isNaN(time.getTime())) {
    throw new UsageError(`invalid --since ${JSON.stringify(text)}`, { hint: 'use a duration (24h, 30m) or an ISO time (2026-11-28T06:00:00Z)' });
  }
  return time.toISOString();
}

export function limitOf(text: string | undefined): number {
  return wholeNumberOption('--limit', text ?? '50', LIMIT_BOUNDS);
}

export function concurrencyOf(text: string | undefined): number {
  return wholeNumberOption('--concurrency', text ?? '2', CONCURRENCY_BOUNDS);
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
