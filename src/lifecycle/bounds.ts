import { formatDuration } from './durations.js';

/**
 * How long a validation may take in all. `--timeout` bounds the smoke-test's own run; the pull
 * (bounded by the adapter only while it stays silent, since a big image over a slow link takes
 * minutes) and the few other engine calls (each with its own deadline) get this much on top.
 */
const VALIDATION_MARGIN_MS = 30 * 60_000;

/** Past the bound, the run has ended one way or another; the lease only has to outlive it. */
const LEASE_GRACE_MS = 60_000;

export function validationBoundMs(timeoutMs: number): number {
  return timeoutMs + VALIDATION_MARGIN_MS;
}

/** The lease a run holds in the store: after it, another process may take the slot over. */
export function leaseMs(timeoutMs: number): number {
  return validationBoundMs(timeoutMs) + LEASE_GRACE_MS;
}

export function describeBound(timeoutMs: number): string {
  return `${formatDuration(validationBoundMs(timeoutMs))} (--timeout ${formatDuration(timeoutMs)} plus ${formatDuration(VALIDATION_MARGIN_MS)} for the pull and the engine calls)`;
}
