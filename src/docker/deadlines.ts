import { DockerFailure } from '../errors.js';
import { translateDockerError } from './classify.js';

/**
 * How long the engine gets. An engine that accepts the connection and then never answers must not
 * hold a command forever, so every request has a deadline; these are generous for a loaded but
 * working engine and short enough that a hung one fails a `set` in well under a minute.
 */

/** One request: connecting and the whole answer (or, for a stream, its first bytes). */
export const CALL_TIMEOUT_MS = 30_000;
/** A pull stream that sends no progress line for this long has stalled (big layers still send progress). */
export const PULL_SILENCE_MS = 60_000;
/** After an interrupt the user is waiting: kill and remove the smoke container for at most this long. */
export const ABORT_CLEANUP_MS = 5_000;

/** Overrides for tests only (through the adapter factory); production uses the constants above. */
export interface DeadlineOptions {
  readonly callTimeoutMs?: number;
  readonly pullSilenceMs?: number;
}

export interface Deadlines {
  readonly callMs: number;
  readonly pullSilenceMs: number;
  readonly abortCleanupMs: number;
}

export function deadlinesFrom(options: DeadlineOptions = {}): Deadlines {
  const callMs = options.callTimeoutMs ?? CALL_TIMEOUT_MS;
  return { callMs, pullSilenceMs: options.pullSilenceMs ?? PULL_SILENCE_MS, abortCleanupMs: Math.min(callMs, ABORT_CLEANUP_MS) };
}

/** "30s", "0.2s": how long a deadline was, for messages. */
export function seconds(ms: number): string {
  return `${ms / 1000}s`;
}

/** A timer whose signal aborts when it runs out; `reset()` starts it over (an idle deadline). */
export class Deadline {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly ms: number) {
    this.reset();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get expired(): boolean {
    return this.controller.signal.aborted;
  }

  reset(): void {
    clearTimeout(this.timer);
    if (this.expired) return;
    // Unref'd: a deadline guards a request; it must never be what keeps the process alive.
    this.timer = setTimeout(() => this.controller.abort(), this.ms).unref();
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

export interface BoundedCall {
  /** What was asked, for messages: "the request to pull alpine:3". */
  readonly what: string;
  readonly ms: number;
  readonly endpoint: string;
  /** The caller's signal: aborting it ends the call at once as DockerFailure('aborted'). */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Runs one engine request under a deadline and the caller's signal. `run` gets the combined signal
 * to hand to docker-modem (which destroys the request, and so its socket, when it fires); the
 * result is also raced against that signal, so the call settles promptly even if the library never
 * calls back. Whatever goes wrong comes out as one classified DockerFailure.
 */
export async function bounded<T>(call: BoundedCall, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const deadline = new Deadline(call.ms);
  const signal = call.signal === undefined ? deadline.signal : AbortSignal.any([call.signal, deadline.signal]);
  try {
    return await settleOnAbort(run(signal), signal);
  } catch (error) {
    throw failureOf(error, call, deadline);
  } finally {
    deadline.clear();
  }
}

/** The engine at `endpoint` let a deadline pass. */
export function noAnswer(endpoint: string, what: string, ms: number): DockerFailure {
  return new DockerFailure('engine-unavailable', `it did not answer ${what} within ${seconds(ms)}`, { endpoint });
}

function failureOf(error: unknown, call: BoundedCall, deadline: Deadline): DockerFailure {
  // The caller's interrupt wins over whatever the aborted request reported.
  if (call.signal?.aborted === true) return new DockerFailure('aborted', `${call.what} was interrupted`, { cause: error });
  if (deadline.expired) return noAnswer(call.endpoint, call.what, call.ms);
  return translateDockerError(error, call.endpoint, call.what);
}

function settleOnAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
