import { UsageError } from '../errors.js';
import { parseDuration } from '../lifecycle/durations.js';

/** Option values as operators type them, checked once here: a bad one is exit 2 before anything runs. */

export const DEFAULT_TIMEOUT = '5m';

export function timeoutOf(text: string | undefined): number {
  const ms = parseDuration(text ?? DEFAULT_TIMEOUT);
  if (ms === undefined || ms <= 0) {
    throw new UsageError(`invalid --timeout ${JSON.stringify(text)}`, { hint: 'use a duration such as 90s, 5m or 1m30s' });
  }
  return ms;
}

export function sinceOf(text: string, now: Date): string {
  const ms = parseDuration(text);
  if (ms !== undefined) return new Date(now.getTime() - ms).toISOString();
  const time = new Date(text);
  if (Number.isNaN(time.getTime())) {
    throw new UsageError(`invalid --since ${JSON.stringify(text)}`, { hint: 'use a duration (24h, 30m) or an ISO time (2026-11-28T06:00:00Z)' });
  }
  return time.toISOString();
}

export function limitOf(text: string | undefined): number {
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive whole number, not ${JSON.stringify(text)}`);
  return limit;
}

export function concurrencyOf(text: string | undefined): number {
  const concurrency = Number(text ?? '2');
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) {
    throw new UsageError(`--concurrency must be a whole number from 1 to 32, not ${JSON.stringify(text)}`);
  }
  return concurrency;
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
