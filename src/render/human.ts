import type { Palette } from './palette.js';
import type { DefaultImage, ShowResult } from '../commands/read.js';
import type { AuditEntry, Inventory, OperatorRecord } from '../domain/index.js';
import { CONTRACT_SOURCES, heldText } from './names.js';
import type { ReferenceReport } from '../reference/index.js';
import { slotLine } from './lifecycle.js';

/** Human renderings of typed command results: the first line is the stable lifecycle line. */

export function renderShow(shown: ShowResult, c: Palette): string[] {
  const { slot, lastRun } = shown;
  const lines = [slotLine(slot, slot.subject, c)];
  const detail = (label: string, value: string) => lines.push(c.dim(`  ${label.padEnd(10)} ${value}`));
  if (slot.reference === null) {
    for (const line of renderDefault(shown.globalDefault, c)) lines.push(c.dim(`  ${line}`));
    return lines;
  }
  detail('reference', slot.reference);
  if (slot.status === 'verified' && slot.pinKind === 'local') detail('pin', 'local image ID (--allow-local): not pullable from a registry');
  detail('changed', slot.updatedAt);
  if (slot.validatedAt !== null) detail('validated', `${slot.validatedAt}${lastRun?.durationMs != null ? ` (${(lastRun.durationMs / 1000).toFixed(1)}s)` : ''}`);
  if (shown.abandoned !== undefined) {
    lines.push(c.yellow(`  abandoned  ${shown.abandoned}; validate it again: cascade-image validate --stale`));
  } else if (slot.status === 'pending' && lastRun !== undefined && lastRun.finishedAt === null) {
    detail('running', `since ${lastRun.startedAt} (run ${lastRun.runId}, pid ${lastRun.ownerPid} on ${lastRun.ownerHost})`);
  }
  for (const warning of slot.warnings) lines.push(c.yellow(`  ${'warning'.padEnd(10)} ${warning}`));
  if (slot.held !== null) lines.push(c.yellow(`  ${'held'.padEnd(10)} ${heldText(slot.held)} (cascade-image approve)`));
  detail('contract', contractLine(shown));
  inventoryLines(slot.inventory ?? []).forEach((line, index) => detail(index === 0 ? 'inventory' : '', line));
  detail('generation', String(slot.generation));
  return lines;
}

/** Which contract holds the image, and whether its verdict was reached under another one. */
function contractLine({ slot, contract }: ShowResult): string {
  const line = `${contract.contract.name} (${CONTRACT_SOURCES[contract.source]}), sha256 ${contract.hash.slice(0, 12)}…`;
  if (slot.contractHash === null || slot.contractHash === contract.hash || slot.status === 'pending') return line;
  return `${line}; the verdict was reached under ${slot.contractHash.slice(0, 12)}…: validate to re-test`;
}

/** One line per tool found: `node v20.11.1  /usr/local/bin/node`. */
export function inventoryLines(inventory: Inventory): string[] {
  return inventory.map((entry) =>
    entry.version === null && entry.path === null ? `${entry.tool}  (not found)` : `${entry.tool} ${entry.version ?? '(no version read)'}  ${entry.path ?? '(not on PATH)'}`,
  );
}

export function renderDefault(current: DefaultImage, c: Palette): string[] {
  if (current.source === 'store') return [slotLine(current.slot, current.slot.subject, c)];
  if (current.source === 'env') return [`(default)  ${c.yellow('unvalidated')}  ${current.reference}  (from CASCADE_DEFAULT_WORKER_IMAGE)`];
  return [`(default)  none  (set one with: cascade-image defaults set <ref>)`];
}

export function renderReference(report: ReferenceReport, c: Palette): string {
  if (!report.valid) return `${report.input}  ${c.red('invalid')}: ${report.error ?? 'invalid reference'}`;
  const parts = [`domain=${report.domain}`, `path=${report.path}`];
  if (report.tag !== null) parts.push(`tag=${report.tag}`);
  if (report.digest !== null) parts.push(`digest=${report.digest}`);
  return `${report.input}  ${c.green('valid')}  ${report.normalized}  (${parts.join(' ')}; familiar ${report.familiar})`;
}

export function renderAudit(entries: readonly AuditEntry[], c: Palette): string[] {
  return entries.map((entry) => {
    const scope = entry.project ?? '(global)';
    const change = describeAudit(entry);
    return `${c.dim(entry.at)}  ${entry.actor}  ${scope}  ${entry.event}  ${change}`;
  });
}

function describeAudit(entry: AuditEntry): string {
  const detail = entry.detail ?? {};
  switch (entry.event) {
    case 'validation_verified':
      return `${entry.from ?? '?'} verified → ${entry.to ?? '?'}`;
    case 'validation_failed': {
      const kept = typeof detail.keptPin === 'string' ? `; kept ${detail.keptPin} (${String(detail.outcome)})` : '';
      return `${entry.from ?? '?'} failed: ${String(detail.reason ?? '')}${kept}`;
    }
    case 'project_deleted':
      return `deleted (it had ${entry.from ?? 'no image of its own'})`;
    case 'validation_stale':
      return `${entry.from ?? '?'} result dropped (stale: generation ${String(detail.generation)} replaced by ${String(detail.currentGeneration)})`;
    case 'operator_granted':
      return `${String(detail.operator)} ${entry.from === null ? '' : `${entry.from} → `}${entry.to ?? ''}${detail.bootstrap === true ? ' (created the store)' : ''}`;
    case 'operator_revoked':
      return `${String(detail.operator)} (was ${entry.from ?? '?'})`;
    case 'trust_set':
    case 'trust_cleared':
    case 'drift_policy_set':
      return `${entry.from ?? '(none)'} → ${entry.to ?? '(none)'}`;
    case 'drift_held':
      return `kept ${entry.from ?? '?'}; holding ${entry.to ?? '?'} for approval`;
    case 'drift_approved':
      return `${entry.from ?? '?'} → ${entry.to ?? '?'} (approved)`;
    case 'default_worker_image_changed':
      return `${entry.from ?? '(none)'} → ${entry.to ?? '(none)'}`;
    case 'contract_set':
    case 'contract_cleared':
      return `${shortHash(entry.from)} → ${shortHash(entry.to)}`;
    default:
      if (detail.created === true) return `created with ${entry.to ?? 'no image of its own (global default)'}`;
      return `${entry.from ?? '(global default)'} → ${entry.to ?? '(global default)'}`;
  }
}

/** A contract hash as people compare them: its first 12 hex digits. (none): the scope inherits its contract. */
function shortHash(hash: string | null): string {
  return hash === null ? '(none)' : `${hash.slice(0, 12)}…`;
}

export function renderOperators(operators: readonly OperatorRecord[]): string[] {
  return operators.map((operator) => `${operator.actor}  ${operator.role}  (granted by ${operator.grantedBy} at ${operator.grantedAt})`);
}
