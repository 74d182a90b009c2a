import { excerpt } from '../docker/excerpt.js';

/**
 * One answer that is there but cannot be used: too large, not JSON, the wrong media type, content
 * that does not match its digest. Thrown inside this folder only and caught where the thing it is
 * about is read, which lists it under `malformed` and goes on: one bad layer must not hide a good
 * signature beside it, and a malformed answer is not the registry being unavailable.
 */
export class AnswerProblem extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'AnswerProblem';
  }
}

/** A value from an answer, quoted for a reason: escaped and cut short (a registry's text is not ours). */
export function quoted(value: unknown): string {
  return excerpt(typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)));
}
