import type { Selectable } from 'kysely';
import {
  projectOf,
  type AuditEntry,
  type CachedSmoke,
  type HeldDrift,
  type ImageSlot,
  type SlotSummary,
  type OperatorRecord,
  type StoredContract,
  type StoredPolicy,
  type Subject,
  type ValidationRunRecord,
} from '../domain/index.js';
import type { AuditLogTable, ContractsTable, HeldDriftsTable, OperatorsTable, PoliciesTable, ProjectsTable, SmokeResultsTable, ValidationRunsTable } from './schema.js';
import { isCheckContract, isInventory, isInventoryChanges, isStringArray, isTrustedKeys, readStoredJson } from './stored-json.js';

/** Row ↔ domain mapping shared by the reader (raw statements) and the writer (kysely). */

export type SlotRow = Omit<Selectable<ProjectsTable>, 'id'>;

export type SummaryRow = Pick<SlotRow, 'worker_image' | 'status' | 'digest' | 'pin_kind' | 'error' | 'warnings'>;

/** What `list` prints of a slot row: its lifecycle fields and warnings. */
export function toSummary(subject: Subject, row: SummaryRow): SlotSummary {
  return {
    subject,
    reference: row.worker_image,
    status: row.status,
    digest: row.digest,
    pinKind: row.pin_kind,
    error: row.error,
    warnings: readStoredJson(row.warnings, `the warnings column of ${slotName(subject)}`, isStringArray),
  };
}

/** A slot row and the scope's held drift (read beside it: a join for the reader, a second query for the writer). */
export function toSlot(subject: Subject, row: SlotRow, held: HeldDrift | null): ImageSlot {
  return {
    ...toSummary(subject, row),
    allowLocal: row.allow_local === 1,
    generation: row.generation,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    validatedAt: row.validated_at,
    contractHash: row.contract_hash,
    inventory: row.inventory === null ? null : readStoredJson(row.inventory, `the inventory column of ${slotName(subject)}`, isInventory),
    held,
  };
}

const slotName = (subject: Subject): string => (subject.kind === 'project' ? `project ${subject.project}` : 'the global default');

/**
 * How the per-scope tables (contract_assignments, policies, held_drifts) key the default scope:
 * not a valid project id (those start with a letter or digit).
 */
export const DEFAULT_SCOPE = '(default)';

export function scopeKey(subject: Subject): string {
  return projectOf(subject) ?? DEFAULT_SCOPE;
}

export type HeldRow = Omit<Selectable<HeldDriftsTable>, 'scope' | 'reference'>;

export function toHeldDrift(row: HeldRow, scope: string): HeldDrift {
  const what = (column: string) => `the ${column} column of the drift held for ${scope}`;
  return {
    digest: row.digest,
    pinKind: row.pin_kind,
    generation: row.generation,
    contractHash: row.contract_hash,
    warnings: readStoredJson(row.warnings, what('warnings'), isStringArray),
    inventory: row.inventory === null ? null : readStoredJson(row.inventory, what('inventory'), isInventory),
    inventoryChanges: readStoredJson(row.inventory_changes, what('inventory_changes'), isInventoryChanges),
    runId: row.run_id,
    foundAt: row.found_at,
  };
}

/** The held_drifts columns a slot read joins in, prefixed so that they cannot shadow the slot's own. */
const HELD_COLUMNS = ['digest', 'pin_kind', 'generation', 'contract_hash', 'warnings', 'inventory', 'inventory_changes', 'run_id', 'found_at'] as const satisfies ReadonlyArray<keyof HeldRow>;
export const HELD_JOIN_SELECT = HELD_COLUMNS.map((column) => `h.${column} as held_${column}`).join(', ');
/** Every joined column is null when the scope holds no drift. */
export type HeldJoin = { [K in keyof HeldRow as `held_${K}`]: HeldRow[K] | null };

export function heldFromJoin(row: HeldJoin, scope: string): HeldDrift | null {
  // run_id is never null in a stored row: null means the join found none.
  if (row.held_run_id === null) return null;
  const held = Object.fromEntries(HELD_COLUMNS.map((column) => [column, row[`held_${column}`]])) as HeldRow;
  return toHeldDrift(held, scope);
}

export function toStoredPolicy(row: Selectable<PoliciesTable>): StoredPolicy {
  return {
    signatures:
      row.signature_mode === null || row.keys === null
        ? null
        : { mode: row.signature_mode, keys: readStoredJson(row.keys, `the keys column of the policies of ${row.scope}`, isTrustedKeys) },
    drift: row.drift,
    setBy: row.set_by,
    setAt: row.set_at,
  };
}

/** A contracts row, with the assignment that names it when there is one. */
export function toStoredContract(row: Selectable<ContractsTable>, assignment?: { readonly set_by: string; readonly set_at: string }): StoredContract {
  return {
    hash: row.hash,
    contract: readStoredJson(row.document, `the document of contract ${row.hash}`, isCheckContract),
    sourceText: row.source_text,
    setBy: assignment?.set_by ?? null,
    setAt: assignment?.set_at ?? null,
  };
}

export function toRun(subject: Subject, row: Selectable<ValidationRunsTable>): ValidationRunRecord {
  return {
    runId: row.run_id,
    subject,
    generation: row.generation,
    reference: row.reference,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    outcome: row.outcome,
    digest: row.digest,
    error: row.error,
    durationMs: row.duration_ms,
    ownerPid: row.owner_pid,
    ownerHost: row.owner_host,
    leaseExpiresAt: row.lease_expires_at,
  };
}

export function toAudit(row: Selectable<AuditLogTable>): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    project: row.project_id,
    event: row.event,
    from: row.from_ref,
    to: row.to_ref,
    detail: row.detail === null ? null : (JSON.parse(row.detail) as Record<string, unknown>),
  };
}

export function toOperator(row: Selectable<OperatorsTable>): OperatorRecord {
  return { actor: row.actor, role: row.role, grantedBy: row.granted_by, grantedAt: row.granted_at };
}

export function toCachedSmoke(row: Selectable<SmokeResultsTable>): CachedSmoke {
  return {
    status: row.status,
    cause: row.cause as CachedSmoke['cause'],
    reason: row.reason,
    warnings: JSON.parse(row.warnings) as string[],
    results: JSON.parse(row.results) as unknown,
    testedAt: row.tested_at,
  };
}
