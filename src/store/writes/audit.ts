import type { AuditEntry } from '../../domain/index.js';
import type { Timestamp, Tx } from './transaction.js';

/** Appends one audit row inside the caller's transaction: the log and the change it records commit together. */
export async function insertAudit(tx: Tx, timestamp: Timestamp, entry: Omit<AuditEntry, 'id' | 'at'>): Promise<void> {
  await tx
    .insertInto('audit_log')
    .values({
      at: timestamp(),
      actor: entry.actor,
      project_id: entry.project,
      event: entry.event,
      from_ref: entry.from,
      to_ref: entry.to,
      detail: entry.detail === null ? null : JSON.stringify(entry.detail),
    })
    .execute();
}
