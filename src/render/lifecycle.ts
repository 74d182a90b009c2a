import type { ChalkInstance } from 'chalk';
import type { LifecycleEvent } from '../lifecycle/events.js';
import { subjectLabel, type ImageSlot, type Subject } from '../lifecycle/model.js';

/**
 * The lifecycle lines people and scripts both read. Grammar (stable; scripts grep it):
 *   <name>  pending  <reference>
 *   <name>  verified → <pinned digest>
 *   <name>  failed: <reason>
 *   <name>  stale: <what was dropped>
 *   <name>  (global default)
 * Fields are separated by two spaces; <name> is the project id, or "(default)" for the global default.
 */
export function slotLine(slot: ImageSlot | undefined, subject: Subject, c: ChalkInstance): string {
  const name = subjectLabel(subject);
  if (slot === undefined || slot.reference === null) return `${name}  ${c.dim('(global default)')}`;
  switch (slot.status) {
    case 'pending':
      return pendingLine(name, slot.reference, c);
    case 'verified':
      return verifiedLine(name, slot.digest ?? '?', slot.pinKind === 'local', c);
    case 'failed':
      return failedLine(name, slot.error ?? 'unknown reason', c);
    case null:
      return `${name}  ${c.dim('(global default)')}`;
  }
}

export function pendingLine(name: string, reference: string, c: ChalkInstance): string {
  return `${name}  ${c.yellow('pending')}  ${reference}`;
}

export function verifiedLine(name: string, digest: string, local: boolean, c: ChalkInstance): string {
  return `${name}  ${c.green('verified')} → ${digest}${local ? c.dim('  (local image ID, --allow-local)') : ''}`;
}

export function failedLine(name: string, reason: string, c: ChalkInstance): string {
  return `${name}  ${c.red('failed')}: ${oneLine(reason)}`;
}

/** The line a finished run prints; a stale result says what was dropped and why. */
export function finishedLine(event: Extract<LifecycleEvent, { type: 'finished' }>, c: ChalkInstance): string {
  const name = subjectLabel(event.subject);
  if (event.stored === 'stale') {
    const what = event.verdict.status === 'verified' ? `verified ${event.verdict.digest}` : `failed (${oneLine(event.verdict.reason)})`;
    return `${name}  ${c.magenta('stale')}: dropped the result for ${event.reference} (${what}); the project changed while it was validated`;
  }
  return event.verdict.status === 'verified'
    ? verifiedLine(name, event.verdict.digest, event.verdict.pinKind === 'local', c)
    : failedLine(name, event.verdict.reason, c);
}

/** Progress lines for a person at a terminal (stderr). */
export function progressLine(event: LifecycleEvent, c: ChalkInstance): string | undefined {
  const name = subjectLabel(event.subject);
  switch (event.type) {
    case 'pulling':
      return c.dim(`${name}: pulling ${event.reference}`);
    case 'pinned':
      return c.dim(`${name}: pinned ${event.digest}`);
    case 'testing':
      return c.dim(`${name}: running the smoke-test in a one-shot container`);
    default:
      return undefined;
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
