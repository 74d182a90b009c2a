import type { Palette } from './palette.js';
import { changesSuffix } from './names.js';
import type { LifecycleEvent } from '../domain/index.js';
import { subjectName, type SlotSummary, type Subject } from '../domain/index.js';

/**
 * The lifecycle lines people and scripts both read. Grammar (stable; scripts grep it):
 *   <name>  pending  <reference>
 *   <name>  verified → <pinned digest>
 *   <name>  failed: <reason>
 *   <name>  stale: <what was dropped>
 *   <name>  (global default)
 * Fields are separated by two spaces; <name> is the project id, or "(default)" for the global default.
 */
export function slotLine(slot: SlotSummary | undefined, subject: Subject, c: Palette): string {
  const name = subjectName(subject);
  if (slot === undefined || slot.reference === null) return `${name}  ${c.dim('(global default)')}`;
  switch (slot.status) {
    case 'pending':
      return pendingLine(name, slot.reference, c);
    case 'verified': {
      const line = verifiedLine(name, slot.digest ?? '?', slot.pinKind === 'local', c);
      return slot.warnings.length === 0 ? line : `${line}  ${c.yellow(`(${slot.warnings.length === 1 ? '1 warning' : `${slot.warnings.length} warnings`})`)}`;
    }
    case 'failed':
      return failedLine(name, slot.error ?? 'unknown reason', c);
    case null:
      return `${name}  ${c.dim('(global default)')}`;
  }
}

export function pendingLine(name: string, reference: string, c: Palette): string {
  return `${name}  ${c.yellow('pending')}  ${reference}`;
}

export function verifiedLine(name: string, digest: string, local: boolean, c: Palette): string {
  return `${name}  ${c.green('verified')} → ${digest}${local ? c.dim('  (local image ID, --allow-local)') : ''}`;
}

export function failedLine(name: string, reason: string, c: Palette): string {
  return `${name}  ${c.red('failed')}: ${oneLine(reason)}`;
}

/**
 * The line a finished run prints. Re-validation outcomes extend the grammar:
 *   <name>  verified → <digest>  (unchanged | drifted from <old> | contract changed | cached)
 *   <name>  failed: drifted to an image that fails (<reason>); still launchable at <kept pin>
 *   <name>  failed: vanished: <reason>; kept <pin> (present locally)
 *   <name>  verified → <kept pin>  (drifted: awaiting approval: <ref> now resolves to <digest>, which passes; …)
 */
export function finishedLine(event: Extract<LifecycleEvent, { type: 'finished' }>, c: Palette): string {
  const name = subjectName(event.subject);
  const { verdict, finding } = event;
  if (event.stored === 'stale') {
    const what = verdict.status === 'verified' ? `verified ${verdict.digest}` : `failed (${oneLine(verdict.reason)})`;
    return `${name}  ${c.magenta('stale')}: dropped the result for ${event.reference} (${what}); the project changed while it was validated`;
  }
  const foundReason = finding?.status === 'failed' ? oneLine(finding.reason) : '';
  if (verdict.status === 'verified' && finding !== undefined) {
    switch (event.outcome) {
      case 'drift-held': {
        const held = finding.status === 'verified' ? finding.digest : '?';
        const line = verifiedLine(name, verdict.digest, verdict.pinKind === 'local', c);
        return `${line}  ${c.yellow(`(drifted: awaiting approval: ${event.reference} now resolves to ${held}, which passes${changesNote(event)}; approve takes it)`)}`;
      }
      case 'drift-failed':
        return failedLine(name, `drifted: ${event.reference} now resolves to an image that fails (${foundReason})${changesNote(event)}; still launchable at ${verdict.digest}`, c);
      case 'vanished':
        return failedLine(name, `vanished: ${foundReason}; kept ${verdict.digest} (still present locally)`, c);
      default:
        return failedLine(name, `${foundReason}; still launchable at ${verdict.digest} (verified before with this image)`, c);
    }
  }
  if (verdict.status === 'failed') {
    return failedLine(name, event.outcome === 'contract-changed' ? `contract changed: ${verdict.reason}` : verdict.reason, c);
  }
  const notes: string[] = [];
  if (event.outcome === 'unchanged') notes.push('unchanged');
  if (event.outcome === 'drifted') notes.push(`drifted: ${event.reference} moved; re-pinned${changesNote(event)}`);
  if (event.outcome === 'contract-changed') notes.push('re-tested: contract changed');
  if (event.cached) notes.push('cached verdict: no container ran');
  const line = verifiedLine(name, verdict.digest, verdict.pinKind === 'local', c);
  return notes.length === 0 ? line : `${line}  ${c.dim(`(${notes.join('; ')})`)}`;
}

/** Progress lines for a person at a terminal (stderr). */
export function progressLine(event: LifecycleEvent, c: Palette): string | undefined {
  const name = subjectName(event.subject);
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

/** What a drift changed in the image's tools: `; node v20.11.1 → v22.3.0, python removed`. */
function changesNote(event: Extract<LifecycleEvent, { type: 'finished' }>): string {
  return event.inventoryChanges === undefined ? '' : changesSuffix(event.inventoryChanges, '; same tool versions');
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
