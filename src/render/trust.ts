import type { Palette } from './palette.js';
import type { ApproveResult, SetTrustResult, ShowTrustResult } from '../commands/trust.js';
import { changesSuffix, heldText, scopeName } from './names.js';
import { projectOf, subjectName, type EffectivePolicy, type SignaturePolicy } from '../domain/index.js';
import { keyLabel } from '../trust/index.js';

const FROM = { none: 'none set', default: "the default scope's", project: 'its own' } as const;

function signaturesText(signatures: SignaturePolicy | null): string {
  if (signatures === null) return 'signatures not required';
  return `signatures ${signatures.mode} (${signatures.keys.map(keyLabel).join(', ')})`;
}

/** One line: `signatures enforce (ecdsa-p256 sha256:…) [its own]; drift hold [the default scope's]`. */
export function policyLine(policy: EffectivePolicy): string {
  return `${signaturesText(policy.signatures)} [${FROM[policy.signaturesFrom]}]; drift ${policy.drift} [${FROM[policy.driftFrom]}]`;
}

export function renderTrustChange(result: SetTrustResult, c: Palette): string {
  return `${scopeName(result.scope)}  trust ${result.changed ? 'set' : 'unchanged'}: ${policyLine(result.effective)}${result.changed ? '' : c.dim('  (already)')}`;
}

export function renderTrustShow(shown: ShowTrustResult): string[] {
  const lines = [`${scopeName(shown.scope)}  ${policyLine(shown.effective)}`];
  for (const key of shown.effective.signatures?.keys ?? []) lines.push(`  key        ${keyLabel(key)}  sha256:${key.fingerprint}`);
  if (shown.stored?.setBy != null) lines.push(`  set        by ${shown.stored.setBy} at ${shown.stored.setAt ?? '?'}`);
  if (shown.held !== undefined) lines.push(`  held       ${heldText(shown.held)}`);
  return lines;
}

export function trustView(shown: ShowTrustResult): Record<string, unknown> {
  return { scope: shown.scope.kind, project: projectOf(shown.scope), ...shown.effective, setBy: shown.stored?.setBy ?? null, setAt: shown.stored?.setAt ?? null, held: shown.held ?? null };
}

export function approvedLine(result: ApproveResult, c: Palette): string {
  const changes = changesSuffix(result.held.inventoryChanges);
  return `${subjectName(result.after.subject)}  ${c.green('verified')} → ${result.after.digest ?? '?'}  ${c.dim(`(approved: drifted from ${result.before.digest ?? '?'}${changes})`)}`;
}
