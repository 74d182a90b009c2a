import type { Selectable } from 'kysely';
import { DEFAULT_SUBJECT, projectSubject, type ImageSlot, type PolicyAssignments, type SlotSummary, type StoredContract, type StoredPolicy } from '../domain/index.js';
import type { ContractAssignments } from '../ports/store.js';
import type { StoreDialect } from './dialect.js';
import { DEFAULT_SCOPE, HELD_JOIN_SELECT, heldFromJoin, toSlot, toStoredContract, toStoredPolicy, toSummary, type HeldJoin, type SlotRow, type SummaryRow } from './rows.js';
import type { ContractAssignmentsTable, ContractsTable, PoliciesTable, ProjectsTable } from './schema.js';
import { DamagedContentError } from './stored-json.js';

/** The reads both stores' readers make, in the SQL both dialects speak, and how their rows become domain values. */

export type ProjectRow = Selectable<ProjectsTable> & HeldJoin;
export type DefaultRow = SlotRow & HeldJoin;

// A slot and its held drift in one statement: `show` stays one query for the slot.
export const PROJECT_SLOTS = `select p.*, ${HELD_JOIN_SELECT} from projects p left join held_drifts h on h.scope = p.id`;
export const DEFAULT_SLOT = `select g.*, ${HELD_JOIN_SELECT} from global_default g left join held_drifts h on h.scope = '${DEFAULT_SCOPE}'`;

// What `list` prints, and nothing more: a quarter of the columns, no join, no inventory to parse.
export const PROJECT_SUMMARIES = 'select id, worker_image, status, digest, pin_kind, error, warnings from projects';
export const projectSummary = (row: SummaryRow & { id: string }): SlotSummary => toSummary(projectSubject(row.id), row);

export const projectSlot = (row: ProjectRow): ImageSlot => toSlot(projectSubject(row.id), row, heldFromJoin(row, row.id));
export const defaultSlot = (row: DefaultRow): ImageSlot => toSlot(DEFAULT_SUBJECT, row, heldFromJoin(row, DEFAULT_SCOPE));

/**
 * What makes a dialect compare text as SQLite does, byte by byte. PostgreSQL compares by the
 * database's collation (under en-US 'a' before 'B', '_' before '-', 't' equal to 'T' at first), so
 * every order and range over text there says collate "C": the same store reads the same on both.
 */
export const BYTEWISE: Readonly<Record<StoreDialect, string>> = { sqlite: '', postgres: ' collate "C"' };

// A left join: an assignment whose contract row is missing is damage, not an assignment to skip.
export const contractAssignmentsQuery = (dialect: StoreDialect): string => `select a.scope, a.hash as assigned, a.set_by, a.set_at, c.hash, c.document, c.source_text, c.created_at
  from contract_assignments a left join contracts c on c.hash = a.hash order by a.scope${BYTEWISE[dialect]}`;
export const CONTRACT_ASSIGNMENTS = contractAssignmentsQuery('sqlite');

export type AssignmentRow = Omit<ContractAssignmentsTable, 'hash'> & { assigned: string } & Nullable<Selectable<ContractsTable>>;

export function assembleContractAssignments(rows: readonly AssignmentRow[]): ContractAssignments {
  let fallback: StoredContract | undefined;
  const projects = new Map<string, StoredContract>();
  for (const row of rows) {
    if (row.hash === null || row.document === null || row.created_at === null) {
      throw new DamagedContentError(`the contract ${row.assigned} assigned to ${row.scope} is missing`);
    }
    const stored = toStoredContract({ hash: row.hash, document: row.document, source_text: row.source_text, created_at: row.created_at }, row);
    if (row.scope === DEFAULT_SCOPE) fallback = stored;
    else projects.set(row.scope, stored);
  }
  return { default: fallback, projects };
}

export const policiesQuery = (dialect: StoreDialect): string => `select * from policies order by scope${BYTEWISE[dialect]}`;
export const POLICIES = policiesQuery('sqlite');

export function assemblePolicies(rows: ReadonlyArray<Selectable<PoliciesTable>>): PolicyAssignments {
  let fallback: StoredPolicy | undefined;
  const projects = new Map<string, StoredPolicy>();
  for (const row of rows) {
    if (row.scope === DEFAULT_SCOPE) fallback = toStoredPolicy(row);
    else projects.set(row.scope, toStoredPolicy(row));
  }
  return { default: fallback, projects };
}

type Nullable<T> = { [K in keyof T]: T[K] | null };
