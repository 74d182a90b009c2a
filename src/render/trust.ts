import type { ChalkInstance } from 'chalk';
import { describeInventoryChanges } from '../checks/inventory.js';
import type { ApproveResult, SetTrustResult, ShowTrustResult } from '../commands/trust.js';
import { projectOf, subjectName, type EffectivePolicy, type SignaturePolicy, type Subject, type TrustedKey } from '../domain/index.js';

const FROM = { none: 'none set', default: "the default scope's", project: 'its own' } as const;

function scopeName(scope: Subject): string {
  return scope.kind === 'default' ? '(default scope)' : subjectName(scope);
}

/** `ecdsa-p256 sha256:ab12cd34ef56…`: how a key is named everywhere. */
export function keyName(key: TrustedKey): string {
  return `${key.algorithm} sha256:${key.fingerprint.slice(0, 12)}…`;
}

function signaturesText(signatures: SignaturePolicy | null): string {
  if (signatures === null) return 'signatures not required';
  return `signatures ${signatures.mode} (${signatures.keys.map(keyName).join(', ')})`;
}

/** One line: `signatures enforce (ecdsa-p256 sha256:…) [its own]; drift hold [the default scope's]`. */
export function policyLine(policy: EffectivePolicy): string {
  return `${signaturesText(policy.signatures)} [${FROM[policy.signaturesFrom]}]; drift ${policy.drift} [${FROM[policy.driftFrom]}]`;
}

export function renderTrustChange(result: SetTrustResult, c: ChalkInstance): string {
  return `${scopeName(result.scope)}  trust ${result.changed ? 'set' : 'unchanged'}: ${policyLine(result.effective)}${result.changed ? '' : c.dim('  (already)')}`;
}

export function renderTrustShow(shown: ShowTrustResult): string[] {
  const lines = [`${scopeName(shown.scope)}  ${policyLine(shown.effective)}`];
  for (const key of shown.effective.signatures?.keys ?? []) lines.push(`  key        ${keyName(key)}  sha256:${key.fingerprint}`);
  if (shown.stored?.setBy != null) lines.push(`  set        by ${shown.stored.setBy} at ${shown.stored.setAt ?? '?'}`);
  if (shown.held !== undefined) lines.push(`  held       ${heldText(shown.held)}`);
  return lines;
}

export function heldText(held: NonNullable<ShowTrustResult['held']>): string {
  const changes = held.inventoryChanges.length === 0 ? '' : `; ${describeInventoryChanges(held.inventoryChanges)}`;
  return `${held.digest} (found ${held.foundAt}${changes}): awaiting approval`;
}

export function trustView(shown: ShowTrustResult): Record<string, unknown> {
  return { scope: shown.scope.kind, project: projectOf(shown.scope), ...shown.effective, setBy: shown.stored?.setBy ?? null, setAt: shown.stored?.setAt ?? null, held: shown.held ?? null };
}

export function approvedLine(result: ApproveResult, c: ChalkInstance): string {
  const changes = result.held.inventoryChanges.length === 0 ? '' : `; ${describeInventoryChanges(result.held.inventoryChanges)}`;
  return `${subjectName(result.after.subject)}  ${c.green('verified')} → ${result.after.digest ?? '?'}  ${c.dim(`(approved: drifted from ${result.before.digest ?? '?'}${changes})`)}`;
}
