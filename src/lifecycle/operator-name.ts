import { UsageError } from '../errors.js';

/**
 * Characters that can forge or hide output: C0/C1 controls (newlines, ESC, BEL, DEL), Unicode line
 * and paragraph separators, and the bidirectional overrides that reorder what a terminal shows.
 */
export const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/**
 * Operator names (the acting actor, or one granted a role) are free text, since they are login
 * names, e-mail addresses or service accounts; but they end up in audit lines people read, so
 * nothing that can forge a line or drive a terminal gets in.
 */
export function checkOperatorName(name: string, what = 'operator name'): string {
  if (name.length === 0 || name.length > 256 || UNPRINTABLE.test(name) || name.trim() !== name) {
    throw new UsageError(`invalid ${what} ${JSON.stringify(name)}`, {
      hint: 'use 1-256 printable characters, without control characters or leading/trailing spaces',
    });
  }
  return name;
}
