import type { Readable } from 'node:stream';
import type { PullProgress } from '../domain/index.js';
import { DockerFailure } from '../errors.js';
import type { PullResult } from '../ports/docker.js';
import { pullEvent } from './answers.js';
import { announcedDigest, pullPhase, pullStreamFailure, translateDockerError } from './classify.js';
import { Deadline, seconds } from './deadlines.js';

export interface PullStreamOptions {
  readonly reference: string;
  readonly endpoint: string;
  /** The stream fails when this long passes without a complete progress line. */
  readonly silenceMs: number;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((progress: PullProgress) => void) | undefined;
}

/** Docker's progress lines are a few hundred bytes; a "line" this long is not one. */
const MAX_LINE_BYTES = 1024 * 1024;

/**
 * Reads a pull's 200 answer: newline-separated JSON progress events. Parsed here rather than by
 * docker-modem's followProgress, which throws (and so crashes the process) on a line that is not
 * JSON. The engine reports registry failures as events inside the stream, so every line is
 * checked; the first problem ends the pull and closes the stream. Settles exactly once.
 */
export function readPullStream(stream: Readable, options: PullStreamOptions): Promise<PullResult> {
  const { reference, endpoint, signal } = options;
  const what = `the pull of ${reference}`;
  return new Promise<PullResult>((resolve, reject) => {
    let digest: string | null = null;
    let pending: Buffer = Buffer.alloc(0);
    let lines = 0;
    let settled = false;
    const silence = new Deadline(options.silenceMs);

    const finish = (failure?: DockerFailure) => {
      if (settled) return;
      settled = true;
      silence.clear();
      silence.signal.removeEventListener('abort', onSilence);
      signal?.removeEventListener('abort', onAbort);
      stream.off('data', onData);
      if (failure === undefined) return resolve({ digest });
      stream.destroy();
      reject(failure);
    };
    const onSilence = () =>
      finish(new DockerFailure('engine-unavailable', `it sent no progress for ${seconds(options.silenceMs)} during ${what}`, { endpoint }));
    const onAbort = () => finish(new DockerFailure('aborted', `${what} was interrupted`));

    /** undefined: carry on; a failure ends the pull. */
    const handle = (raw: Buffer): DockerFailure | undefined => {
      const line = raw.toString('utf8').replace(/\r$/, '');
      if (line.trim() === '') return undefined;
      lines += 1;
      let event;
      try {
        event = pullEvent(line);
      } catch (error) {
        return translateDockerError(error, endpoint, what);
      }
      if (event.type === 'error') return pullStreamFailure(event.message);
      digest = announcedDigest(event.status) ?? digest;
      options.onProgress?.({
        status: event.status,
        phase: pullPhase(event.status),
        ...(event.layer === undefined ? {} : { layer: event.layer }),
        ...(event.current === undefined ? {} : { current: event.current }),
        ...(event.total === undefined ? {} : { total: event.total }),
      });
      return undefined;
    };

    const onData = (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let newline: number;
      while (!settled && (newline = pending.indexOf(0x0a)) >= 0) {
        const line = pending.subarray(0, newline);
        pending = pending.subarray(newline + 1);
        // A complete line is a sign of life; a trickle of bytes without one is not.
        silence.reset();
        const failure = handle(line);
        if (failure !== undefined) return finish(failure);
      }
      if (!settled && pending.length > MAX_LINE_BYTES) {
        finish(new DockerFailure('other', `the engine sent a pull progress line longer than ${MAX_LINE_BYTES / 1024 / 1024} MiB during ${what}`));
      }
    };

    stream.on('data', onData);
    stream.on('end', () => {
      // A last line without its newline still counts (and is checked like any other).
      const failure = pending.length > 0 ? handle(pending) : undefined;
      if (failure !== undefined) return finish(failure);
      // Docker always says something (at least "Status: …"); silence from the first byte is not a pull.
      if (lines === 0) return finish(new DockerFailure('other', `the engine answered ${what} with an empty progress stream`));
      finish();
    });
    stream.on('error', (error: Error) => finish(signal?.aborted === true ? new DockerFailure('aborted', `${what} was interrupted`, { cause: error }) : translateDockerError(error, endpoint, what)));
    stream.on('close', () => finish(new DockerFailure('engine-unavailable', `it closed the connection in the middle of ${what}`, { endpoint })));
    silence.signal.addEventListener('abort', onSilence, { once: true });
    if (signal?.aborted === true) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}
