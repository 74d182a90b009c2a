import type Database from 'better-sqlite3';
import type { Selectable } from 'kysely';
import {
  projectOf,
  subjectOf,
  type AuditEntry,
  type CachedSmoke,
  type HeldDrift,
  type ImageSlot,
  type SlotSummary,
  type OperatorRecord,
  type OperatorRole,
  type PolicyAssignments,
  type StoredContract,
  type Subject,
  type ValidationRunRecord,
} from '../domain/index.js';
import type { AuditQuery, ContractAssignments } from '../ports/store.js';
import {
  assembleContractAssignments,
  assemblePolicies,
  CONTRACT_ASSIGNMENTS,
  DEFAULT_SLOT,
  defaultSlot,
  POLICIES,
  PROJECT_SLOTS,
  PROJECT_SUMMARIES,
  projectSlot,
  projectSummary,
  type AssignmentRow,
  type DefaultRow,
  type ProjectRow,
} from './read-queries.js';
import { scopeKey, toAudit, toCachedSmoke, toHeldDrift, toOperator, toRun, toStoredContract, type HeldRow, type SummaryRow } from './rows.js';
import type { AuditLogTable, ContractsTable, OperatorsTable, PoliciesTable, SmokeResultsTable, ValidationRunsTable } from './schema.js';

export const MIGRATIONS_TABLE = 'cascade_schema_migrations';

type RunRow = Selectable<ValidationRunsTable>;

/**
 * Every read, as plain prepared statements on better-sqlite3: `show`, `list` and `resolve` never
 * load kysely, which costs more to import than the rest of the command.
 */
export class SqliteReader {
  constructor(private readonly database: Database.Database) {}

  appliedMigrations(): string[] {
    const table = this.database.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(MIGRATIONS_TABLE);
    if (table === undefined) return [];
    return (this.database.prepare(`select name from ${MIGRATIONS_TABLE} order by name`).all() as Array<{ name: string }>).map((row) => row.name);
  }

  /** User tables in the file (SQLite's own excluded). */
  tableNames(): string[] {
    const rows = this.database.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").all() as Array<{ name: string }>;
    return rows.map((row) => row.name);
  }

  getSlot(subject: Subject): ImageSlot | undefined {
    if (subject.kind === 'project') {
      const row = this.database.prepare(`${PROJECT_SLOTS} where p.id = ?`).get(subject.project) as ProjectRow | undefined;
      return row === undefined ? undefined : projectSlot(row);
    }
    const row = this.database.prepare(DEFAULT_SLOT).get() as DefaultRow | undefined;
    return row === undefined ? undefined : defaultSlot(row);
  }

  listProjects(): ImageSlot[] {
    return (this.database.prepare(`${PROJECT_SLOTS} order by p.id`).all() as ProjectRow[]).map(projectSlot);
  }

  listSummaries(): SlotSummary[] {
    return (this.database.prepare(`${PROJECT_SUMMARIES} order by id`).all() as Array<SummaryRow & { id: string }>).map(projectSummary);
  }

  lastRun(subject: Subject, generation?: number): ValidationRunRecord | undefined {
    const project = projectOf(subject);
    const where = `${project === null ? 'project_id is null' : 'project_id = @project'}${generation === undefined ? '' : ' and generation = @generation'}`;
    const row = this.database
      .prepare(`select * from validation_runs where ${where} order by id desc limit 1`)
      .get({ ...(project === null ? {} : { project }), ...(generation === undefined ? {} : { generation }) }) as RunRow | undefined;
    return row === undefined ? undefined : toRun(subject, row);
  }

  getRun(runId: string): ValidationRunRecord | undefined {
    const row = this.database.prepare('select * from validation_runs where run_id = ?').get(runId) as RunRow | undefined;
    return row === undefined ? undefined : toRun(subjectOf(row.project_id), row);
  }

  pendingSlots(): Array<{ slot: ImageSlot; run: ValidationRunRecord | undefined }> {
    const slots = (this.database.prepare(`${PROJECT_SLOTS} where p.status = 'pending' order by p.id`).all() as ProjectRow[]).map(projectSlot);
    const fallback = this.database.prepare(`${DEFAULT_SLOT} where g.status = 'pending'`).get() as DefaultRow | undefined;
    if (fallback !== undefined) slots.push(defaultSlot(fallback));
    return slots.map((slot) => ({ slot, run: this.lastRun(slot.subject, slot.generation) }));
  }

  audit(query: AuditQuery): AuditEntry[] {
    const clauses: string[] = [];
    const params: Record<string, unknown> = {};
    if (query.project !== undefined) {
      clauses.push('project_id = @project');
      params.project = query.project;
    }
    if (query.since !== undefined) {
      clauses.push('at >= @since');
      params.since = query.since;
    }
    const where = clauses.length === 0 ? '' : `where ${clauses.join(' and ')}`;
    const limit = query.limit === undefined ? '' : 'limit @limit';
    if (query.limit !== undefined) params.limit = query.limit;
    const rows = this.database.prepare(`select * from audit_log ${where} order by id desc ${limit}`).all(params) as Array<Selectable<AuditLogTable>>;
    return rows.map(toAudit);
  }

  operators(): OperatorRecord[] {
    return (this.database.prepare('select * from operators order by actor').all() as Array<Selectable<OperatorsTable>>).map(toOperator);
  }

  roleOf(actor: string): OperatorRole | undefined {
    const row = this.database.prepare('select role from operators where actor = ?').get(actor) as { role: OperatorRole } | undefined;
    return row?.role;
  }

  cachedSmoke(imageId: string, contractHash: string): CachedSmoke | undefined {
    const row = this.database.prepare('select * from smoke_results where image_id = ? and contract_hash = ?').get(imageId, contractHash) as
      | Selectable<SmokeResultsTable>
      | undefined;
    return row === undefined ? undefined : toCachedSmoke(row);
  }

  contractAssignments(): ContractAssignments {
    return assembleContractAssignments(this.database.prepare(CONTRACT_ASSIGNMENTS).all() as AssignmentRow[]);
  }

  contractByHash(hash: string): StoredContract | undefined {
    const row = this.database.prepare('select * from contracts where hash = ?').get(hash) as Selectable<ContractsTable> | undefined;
    return row === undefined ? undefined : toStoredContract(row);
  }

  policyAssignments(): PolicyAssignments {
    return assemblePolicies(this.database.prepare(POLICIES).all() as Array<Selectable<PoliciesTable>>);
  }

  heldDrift(scope: Subject): HeldDrift | undefined {
    const key = scopeKey(scope);
    const row = this.database.prepare('select * from held_drifts where scope = ?').get(key) as HeldRow | undefined;
    return row === undefined ? undefined : toHeldDrift(row, key);
  }
}
