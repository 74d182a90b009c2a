import type { Selectable } from 'kysely';
import type { AuditEntry, CachedSmoke, ImageSlot, OperatorRecord, Subject, ValidationRunRecord } from '../domain/index.js';
import type { AuditLogTable, OperatorsTable, ProjectsTable, SmokeResultsTable, ValidationRunsTable } from './schema.js';
import { isInventory, isStringArray, readStoredJson } from './stored-json.js';

/** Row ↔ domain mapping shared by the reader (raw statements) and the writer (kysely). */

export type SlotRow = Omit<Selectable<ProjectsTable>, 'id'>;

export function toSlot(subject: Subject, row: SlotRow): ImageSlot {
  return {
    subject,
    reference: row.worker_image,
    status: row.status,
    digest: row.digest,
    pinKind: row.pin_kind,
    error: row.error,
    allowLocal: row.allow_local === 1,
    generation: row.generation,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    validatedAt: row.validated_at,
    contractHash: row.contract_hash,
    warnings: readStoredJson(row.warnings, `the warnings column of ${slotName(subject)}`, isStringArray),
    inventory: row.inventory === null ? null : readStoredJson(row.inventory, `the inventory column of ${slotName(subject)}`, isInventory),
  };
}

const slotName = (subject: Subject): string => (subject.kind === 'project' ? `project ${subject.project}` : 'the global default');

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
