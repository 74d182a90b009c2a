import type { Generated } from 'kysely';

/** Row types of the current schema, as the migrations leave it. */

interface SlotColumns {
  worker_image: string | null;
  status: 'pending' | 'verified' | 'failed' | null;
  digest: string | null;
  pin_kind: 'registry' | 'local' | null;
  error: string | null;
  allow_local: number;
  generation: number;
  created_at: string;
  updated_at: string;
  validated_at: string | null;
  contract_hash: string | null;
  /** JSON array of strings: the stored verdict's warnings ('[]' when none). */
  warnings: string;
  /** JSON Inventory of the pinned digest, or null. */
  inventory: string | null;
}

export interface ProjectsTable extends SlotColumns {
  id: string;
}

/** A single row (slot = 'default') holding the global default image and its lifecycle. */
export interface GlobalDefaultTable extends SlotColumns {
  slot: 'default';
}

export interface ValidationRunsTable {
  id: Generated<number>;
  run_id: string;
  /** NULL for the global default. */
  project_id: string | null;
  generation: number;
  reference: string;
  owner_pid: number;
  owner_host: string;
  started_at: string;
  lease_expires_at: string;
  finished_at: string | null;
  outcome: 'verified' | 'failed' | 'stale' | null;
  digest: string | null;
  error: string | null;
  checks: string | null;
  duration_ms: number | null;
  /** JSON Inventory: what the run found (null when it found none). */
  inventory: string | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor: string;
  project_id: string | null;
  event: string;
  from_ref: string | null;
  to_ref: string | null;
  detail: string | null;
}

export interface OperatorsTable {
  actor: string;
  role: 'superadmin' | 'viewer';
  granted_by: string;
  granted_at: string;
}

export interface SmokeResultsTable {
  image_id: string;
  contract_hash: string;
  status: 'verified' | 'failed';
  cause: string | null;
  reason: string | null;
  warnings: string;
  results: string;
  tested_at: string;
}

export interface ContractsTable {
  hash: string;
  /** Canonical JSON of the resolved CheckContract. */
  document: string;
  source_text: string | null;
  created_at: string;
}

export interface ContractAssignmentsTable {
  /** A project id, or DEFAULT_SCOPE (./rows.ts). */
  scope: string;
  hash: string;
  set_by: string;
  set_at: string;
}

export interface PoliciesTable {
  /** A project id, or DEFAULT_SCOPE (./rows.ts). */
  scope: string;
  signature_mode: 'enforce' | 'warn' | null;
  /** JSON array of TrustedKey: set exactly when signature_mode is. */
  keys: string | null;
  drift: 'repin' | 'hold' | null;
  set_by: string;
  set_at: string;
}

/** A drifted tag that passed under a hold policy (HeldDrift), with the reference that drifted. */
export interface HeldDriftsTable {
  /** A project id, or DEFAULT_SCOPE (./rows.ts). */
  scope: string;
  reference: string;
  digest: string;
  pin_kind: 'registry' | 'local';
  generation: number;
  contract_hash: string;
  /** JSON array of strings. */
  warnings: string;
  /** JSON Inventory, or null. */
  inventory: string | null;
  /** JSON array of InventoryChange. */
  inventory_changes: string;
  run_id: string;
  found_at: string;
}

export interface StoreSchema {
  policies: PoliciesTable;
  held_drifts: HeldDriftsTable;
  contracts: ContractsTable;
  contract_assignments: ContractAssignmentsTable;
  smoke_results: SmokeResultsTable;
  projects: ProjectsTable;
  global_default: GlobalDefaultTable;
  validation_runs: ValidationRunsTable;
  audit_log: AuditLogTable;
  operators: OperatorsTable;
}
