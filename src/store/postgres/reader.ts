import type { Selectable } from 'kysely';
import { projectOf, subjectOf, type AuditEntry, type CachedSmoke, type HeldDrift, type ImageSlot, type OperatorRecord, type OperatorRole, type PolicyAssignments, type SlotSummary, type StoredContract, type Subject, type ValidationRunRecord } from '../../domain/index.js';
import type { AuditQuery, ContractAssignments } from '../../ports/store.js';
import {
  assembleContractAssignments,
  assemblePolicies,
  BYTEWISE,
  contractAssignmentsQuery,
  DEFAULT_SLOT,
  defaultSlot,
  policiesQuery,
  PROJECT_SLOTS,
  PROJECT_SUMMARIES,
  projectSummary,
  projectSlot,
  type AssignmentRow,
  type DefaultRow,
  type ProjectRow,
} from '../read-queries.js';
import { scopeKey, toAudit, toCachedSmoke, toHeldDrift, toOperator, toRun, toStoredContract, type HeldRow, type SummaryRow } from '../rows.js';
import type { AuditLogTable, ContractsTable, OperatorsTable, PoliciesTable, SmokeResultsTable, ValidationRunsTable } from '../schema.js';

/** One statement on the pool, with positional parameters ($1…): its rows. */
export type Query = <Row>(text: string, params?: readonly unknown[]) => Promise<Row[]>;

type RunRow = Selectable<ValidationRunsTable>;

// Appended to every order and range over text.
const bytewise = BYTEWISE.postgres;

/** Every read of the PostgreSQL store: the same statements as SQLite's reader, with $n parameters, comparing text byte-wise as SQLite does (BYTEWISE). */
export class PostgresReader {
  constructor(private readonly query: Query) {}

  async appliedMigrations(): Promise<string[]> {
    const rows = await this.query<{ name: string }>('select name from cascade_schema_migrations order by name');
    return rows.map((row) => row.name);
  }

  async getSlot(subject: Subject): Promise<ImageSlot | undefined> {
    if (subject.kind === 'project') {
      const [row] = await this.query<ProjectRow>(`${PROJECT_SLOTS} where p.id = $1`, [subject.project]);
      return row === undefined ? undefined : projectSlot(row);
    }
    const [row] = await this.query<DefaultRow>(DEFAULT_SLOT);
    return row === undefined ? undefined : defaultSlot(row);
  }

  async listProjects(): Promise<ImageSlot[]> {
    return (await this.query<ProjectRow>(`${PROJECT_SLOTS} order by p.id${bytewise}`)).map(projectSlot);
  }

  async listSummaries(): Promise<SlotSummary[]> {
    return (await this.query<SummaryRow & { id: string }>(`${PROJECT_SUMMARIES} order by id${bytewise}`)).map(projectSummary);
  }

  async lastRun(subject: Subject, generation?: number): Promise<ValidationRunRecord | undefined> {
    const project = projectOf(subject);
    const params: unknown[] = [];
    const clauses = [project === null ? 'project_id is null' : `project_id = $${params.push(project)}`];
    if (generation !== undefined) clauses.push(`generation = $${params.push(generation)}`);
    const [row] = await this.query<RunRow>(`select * from validation_runs where ${clauses.join(' and ')} order by id desc limit 1`, params);
    return row === undefined ? undefined : toRun(subject, row);
  }

  async getRun(runId: string): Promise<ValidationRunRecord | undefined> {
    const [row] = await this.query<RunRow>('select * from validation_runs where run_id = $1', [runId]);
    return row === undefined ? undefined : toRun(subjectOf(row.project_id), row);
  }

  async pendingSlots(): Promise<Array<{ slot: ImageSlot; run: ValidationRunRecord | undefined }>> {
    const slots = (await this.query<ProjectRow>(`${PROJECT_SLOTS} where p.status = 'pending' order by p.id${bytewise}`)).map(projectSlot);
    const [fallback] = await this.query<DefaultRow>(`${DEFAULT_SLOT} where g.status = 'pending'`);
    if (fallback !== undefined) slots.push(defaultSlot(fallback));
    return Promise.all(slots.map(async (slot) => ({ slot, run: await this.lastRun(slot.subject, slot.generation) })));
  }

  async audit(query: AuditQuery): Promise<AuditEntry[]> {
    const params: unknown[] = [];
    const clauses: string[] = [];
    if (query.project !== undefined) clauses.push(`project_id = $${params.push(query.project)}`);
    if (query.since !== undefined) clauses.push(`at${bytewise} >= $${params.push(query.since)}`);
    const where = clauses.length === 0 ? '' : `where ${clauses.join(' and ')}`;
    const limit = query.limit === undefined ? '' : `limit $${params.push(query.limit)}`;
    return (await this.query<Selectable<AuditLogTable>>(`select * from audit_log ${where} order by id desc ${limit}`, params)).map(toAudit);
  }

  async operators(): Promise<OperatorRecord[]> {
    return (await this.query<Selectable<OperatorsTable>>(`select * from operators order by actor${bytewise}`)).map(toOperator);
  }

  async roleOf(actor: string): Promise<OperatorRole | undefined> {
    const [row] = await this.query<{ role: OperatorRole }>('select role from operators where actor = $1', [actor]);
    return row?.role;
  }

  async cachedSmoke(imageId: string, contractHash: string): Promise<CachedSmoke | undefined> {
    const [row] = await this.query<Selectable<SmokeResultsTable>>('select * from smoke_results where image_id = $1 and contract_hash = $2', [imageId, contractHash]);
    return row === undefined ? undefined : toCachedSmoke(row);
  }

  async contractAssignments(): Promise<ContractAssignments> {
    return assembleContractAssignments(await this.query<AssignmentRow>(contractAssignmentsQuery('postgres')));
  }

  async contractByHash(hash: string): Promise<StoredContract | undefined> {
    const [row] = await this.query<Selectable<ContractsTable>>('select * from contracts where hash = $1', [hash]);
    return row === undefined ? undefined : toStoredContract(row);
  }

  async policyAssignments(): Promise<PolicyAssignments> {
    return assemblePolicies(await this.query<Selectable<PoliciesTable>>(policiesQuery('postgres')));
  }

  async heldDrift(scope: Subject): Promise<HeldDrift | undefined> {
    const key = scopeKey(scope);
    const [row] = await this.query<HeldRow>('select * from held_drifts where scope = $1', [key]);
    return row === undefined ? undefined : toHeldDrift(row, key);
  }
}
