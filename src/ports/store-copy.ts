import type { OperatorRole } from '../domain/index.js';
import type { Permit } from './store.js';

/**
 * The port `store copy` speaks: every row of a store, table by table, exactly as stored, and a
 * way to write them into an empty store. The row types are the tables' columns under their own
 * names, JSON columns as the stored text: nothing is parsed and written back, so every value
 * arrives as it was (src/store/copy/ checks them against the schema at compile time).
 */

/** Every table of the schema, in the order a copy inserts them: a contract before the assignments naming it. */
export const COPIED_TABLES = [
  'operators',
  'contracts',
  'projects',
  'global_default',
  'contract_assignments',
  'policies',
  'held_drifts',
  'smoke_results',
  'validation_runs',
  'audit_log',
] as const;
export type CopiedTable = (typeof COPIED_TABLES)[number];

interface SlotRowColumns {
  readonly worker_image: string | null;
  readonly status: 'pending' | 'verified' | 'failed' | null;
  readonly digest: string | null;
  readonly pin_kind: 'registry' | 'local' | null;
  readonly error: string | null;
  readonly allow_local: number;
  readonly generation: number;
  readonly created_at: string;
  readonly updated_at: string;
  readonly validated_at: string | null;
  readonly contract_hash: string | null;
  readonly warnings: string;
  readonly inventory: string | null;
}

export interface OperatorRow {
  readonly actor: string;
  readonly role: OperatorRole;
  readonly granted_by: string;
  readonly granted_at: string;
}

export interface ContractRow {
  readonly hash: string;
  readonly document: string;
  readonly source_text: string | null;
  readonly created_at: string;
}

export interface ProjectRow extends SlotRowColumns {
  readonly id: string;
}

export interface GlobalDefaultRow extends SlotRowColumns {
  readonly slot: 'default';
}

export interface ContractAssignmentRow {
  readonly scope: string;
  readonly hash: string;
  readonly set_by: string;
  readonly set_at: string;
}

export interface PolicyRow {
  readonly scope: string;
  readonly signature_mode: 'enforce' | 'warn' | null;
  readonly keys: string | null;
  readonly drift: 'repin' | 'hold' | null;
  readonly set_by: string;
  readonly set_at: string;
}

export interface HeldDriftRow {
  readonly scope: string;
  readonly reference: string;
  readonly digest: string;
  readonly pin_kind: 'registry' | 'local';
  readonly generation: number;
  readonly contract_hash: string;
  readonly warnings: string;
  readonly inventory: string | null;
  readonly inventory_changes: string;
  readonly run_id: string;
  readonly found_at: string;
}

export interface SmokeResultRow {
  readonly image_id: string;
  readonly contract_hash: string;
  readonly status: 'verified' | 'failed';
  readonly cause: string | null;
  readonly reason: string | null;
  readonly warnings: string;
  readonly results: string;
  readonly tested_at: string;
}

export interface ValidationRunRow {
  readonly id: number;
  readonly run_id: string;
  readonly project_id: string | null;
  readonly generation: number;
  readonly reference: string;
  readonly owner_pid: number;
  readonly owner_host: string;
  readonly started_at: string;
  readonly lease_expires_at: string;
  readonly finished_at: string | null;
  readonly outcome: 'verified' | 'failed' | 'stale' | null;
  readonly digest: string | null;
  readonly error: string | null;
  readonly checks: string | null;
  readonly duration_ms: number | null;
  readonly inventory: string | null;
}

export interface AuditRow {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly project_id: string | null;
  readonly event: string;
  readonly from_ref: string | null;
  readonly to_ref: string | null;
  readonly detail: string | null;
}

/** A whole store's rows, each table in its key order (ids ascending for the run history and the audit log). */
export interface StoreRows {
  readonly operators: readonly OperatorRow[];
  readonly contracts: readonly ContractRow[];
  readonly projects: readonly ProjectRow[];
  readonly global_default: readonly GlobalDefaultRow[];
  readonly contract_assignments: readonly ContractAssignmentRow[];
  readonly policies: readonly PolicyRow[];
  readonly held_drifts: readonly HeldDriftRow[];
  readonly smoke_results: readonly SmokeResultRow[];
  readonly validation_runs: readonly ValidationRunRow[];
  readonly audit_log: readonly AuditRow[];
}

export type TableCounts = Readonly<Record<CopiedTable, number>>;

export function countRows(rows: StoreRows): TableCounts {
  return Object.fromEntries(COPIED_TABLES.map((table) => [table, rows[table].length])) as Record<CopiedTable, number>;
}

/** What one consistent read of the source found. */
export interface SourceSnapshot {
  /** The last migration applied (e.g. 0005_server_roles). */
  readonly schemaVersion: string;
  readonly rows: StoreRows;
}

/** An audit row a store assigns its own id to. */
export type AuditRowDraft = Omit<AuditRow, 'id'>;

/** Where a store is, as messages and audit rows name it (a file path, or a server without its password), and which store that is. */
export interface CopyEnd {
  readonly shown: string;
  /** The same for every way of naming one store (a file's real path; a server's host, database and schema). */
  readonly identity: string;
}

export interface CopySource extends CopyEnd {
  /**
   * Under the source's write lock for the whole copy: checks the permit against the role read
   * there, reads every table (one snapshot: nothing can change it until the copy is recorded),
   * runs `copy`, then appends the audit row `copy` returns, committed together. If `copy` throws,
   * nothing is written to the source.
   */
  copyFrom<T>(permit: Permit, copy: (snapshot: SourceSnapshot) => Promise<{ readonly value: T; readonly audit: AuditRowDraft }>): Promise<T>;
  close(): Promise<void>;
}

/** What a target holds when its write transaction starts. */
export type TargetState =
  | {
      readonly exists: false;
      /** The schema it will be created at: this build's latest migration. */
      readonly schemaVersion: string;
      /** On a server, the role this connection authenticated as (its guard trigger judges every row by it); undefined on SQLite. */
      readonly connectedRole: string | undefined;
    }
  | {
      readonly exists: true;
      readonly schemaVersion: string;
      readonly connectedRole: string | undefined;
      readonly counts: TableCounts;
    };

export interface CopyTarget extends CopyEnd {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * One transaction under the target's write lock: reads what the target holds, asks `plan` for
   * the rows it must hold (`plan` throws to refuse: nothing is written, a store it created is
   * removed), creates the store at the current schema when it is absent (with no bootstrap
   * operator), inserts every row with its own id in the order given, then counts every table
   * back. A count other than the rows given rolls it all back (StoreCopyMismatchError). Returns
   * the counts read back.
   */
  fill(plan: (found: TargetState) => StoreRows): Promise<{ readonly created: boolean; readonly counts: TableCounts }>;
  close(): Promise<void>;
}
