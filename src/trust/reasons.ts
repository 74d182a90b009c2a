import type { TrustedKey } from '../domain/index.js';
import { keyLabel } from './keys.js';
import { cut, printable } from './text.js';

/** Why one found signature does not make the image trusted. */
export type Miss =
  | { readonly kind: 'other-digest'; readonly key: TrustedKey; readonly digest: string }
  | { readonly kind: 'other-repository'; readonly key: TrustedKey; readonly repository: string }
  | { readonly kind: 'malformed-payload'; readonly key: TrustedKey; readonly reason: string }
  | { readonly kind: 'unknown-key' }
  | { readonly kind: 'malformed-signature'; readonly detail: string };

/** Most useful first: a trusted key's signature for something else says what to re-sign. */
const RANK: Readonly<Record<Miss['kind'], number>> = { 'other-digest': 0, 'other-repository': 1, 'malformed-payload': 2, 'unknown-key': 3, 'malformed-signature': 4 };
/** A reason is one stored line: bounded however many signatures a registry offers. */
const MAX_DETAIL = 600;
const LISTED = 4;

export interface LookupNotes {
  readonly looked: readonly string[];
  readonly malformed: readonly string[];
}

/** `not signed by a trusted key (…)`: one line, no control characters, at most about 650 characters. */
export function untrustedReason(misses: readonly Miss[], lookup: LookupNotes): string {
  const malformed = listed(lookup.malformed.map((note) => printable(note)), 'more');
  const detail =
    misses.length === 0
      ? [`no signature found${lookup.looked.length > 0 ? `: ${listed(lookup.looked.map((note) => printable(note)), 'more')}` : ''}`, malformed && `malformed: ${malformed}`]
      : [found(misses), malformed && `also malformed: ${malformed}`];
  return `not signed by a trusted key (${cut(detail.filter(Boolean).join('; '), MAX_DETAIL)})`;
}

function found(misses: readonly Miss[]): string {
  const counts = new Map<string, number>();
  for (const miss of [...misses].sort((a, b) => RANK[a.kind] - RANK[b.kind])) {
    const phrase = phraseOf(miss);
    counts.set(phrase, (counts.get(phrase) ?? 0) + 1);
  }
  const total = `${misses.length} signature${misses.length === 1 ? '' : 's'}`;
  if (misses.length === 1) return `${total}, ${[...counts.keys()].join('')}`;
  const groups = [...counts].map(([phrase, count]) => `${count} ${phrase}`);
  const shown = groups.slice(0, LISTED);
  const hidden = [...counts.values()].slice(LISTED).reduce((sum, count) => sum + count, 0);
  return `${total}: ${shown.join('; ')}${hidden > 0 ? `; ${hidden} more` : ''}`;
}

function phraseOf(miss: Miss): string {
  switch (miss.kind) {
    case 'other-digest':
      return `valid by ${keyLabel(miss.key)} but for another digest ${miss.digest}`;
    case 'other-repository':
      return `valid by ${keyLabel(miss.key)} but for another repository ${printable(miss.repository, 100)}`;
    case 'malformed-payload':
      return `by ${keyLabel(miss.key)} but over a malformed payload: ${miss.reason}`;
    case 'unknown-key':
      return 'by a key not in the policy';
    case 'malformed-signature':
      return `malformed: ${printable(miss.detail, 100)}`;
  }
}

/** The first few notes, then how many more. */
function listed(notes: readonly string[], more: string): string {
  const shown = notes.slice(0, LISTED).join('; ');
  return notes.length > LISTED ? `${shown}; ${notes.length - LISTED} ${more}` : shown;
}
