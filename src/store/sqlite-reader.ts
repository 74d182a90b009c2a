import type Database from 'better-sqlite3';
import type { Selectable } from 'kysely';
import {
  DEFAULT_SUBJECT,
  projectOf,
  projectSubject,
  subjectOf,
  type AuditEntry,
  type CachedSmoke,
  type HeldDrift,
  type ImageSlot,
  type OperatorRecord,
  type OperatorRole,
  type PolicyAssignments,
  type StoredContract,
  type StoredPolicy,
  type Subject,
  type ValidationRunRecord,
} from '../domain/index.js';
import type { AuditQuery, ContractAssignments } from '../ports/store.js';
import {
  DEFAULT_SCOPE,
  HELD_JOIN_SELECT,
  heldFromJoin,
  scopeKey,
  toAudit,
  toCachedSmoke,
  toHeldDrift,
  toOperator,
  toRun,
  toSlot,
  toStoredContract,
  toStoredPolicy,
  type HeldJoin,
  type HeldRow,
  type SlotRow,
} from './rows.js';
import type { AuditLogTable, ContractAssignmentsTable, ContractsTable, OperatorsTable, PoliciesTable, ProjectsTable, SmokeResultsTable, ValidationRunsTable } from './schema.js';
import { DamagedContentError } from './stored-json.js';

export const MIGRATIONS_TABLE = 'cascade_schema_migrations';

type RunRow = Selectable<ValidationRunsTable>;
type ProjectRow = Selectable<ProjectsTable> & HeldJoin;

// A slot and its held drift in one statement: `show` stays one query for the slot.
const PROJECT_SLOTS = `select p.*, ${HELD_JOIN_SELECT} from projects p left join held_drifts h on h.scope = p.id`;
const DEFAULT_SLOT = `select g.*, ${HELD_JOIN_SELECT} from global_default g left join held_drifts h on h.scope = '${DEFAULT_SCOPE}'`;

const projectSlot = (row: ProjectRow): ImageSlot => toSlot(projectSubject(row.id), row, heldFromJoin(row, row.id));
const defaultSlot = (row: SlotRow & HeldJoin): ImageSlot => toSlot(DEFAULT_SUBJECT, row, heldFromJoin(row, DEFAULT_SCOPE));

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
    const row = this.database.prepare(DEFAULT_SLOT).get() as (SlotRow & HeldJoin) | undefined;
    return row === undefined ? undefined : defaultSlot(row);
  }

  listProjects(): ImageSlot[] {
    return (this.database.prepare(`${PROJECT_SLOTS} order by p.id`).all() as ProjectRow[]).map(projectSlot);
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
    const fallback = this.database.prepare(`${DEFAULT_SLOT} where g.status = 'pending'`).get() as (SlotRow & HeldJoin) | undefined;
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
    // A left join: an assignment whose contract row is missing is damage, not an assignment to skip.
    const rows = this.database
      .prepare(
        `select a.scope, a.hash as assigned, a.set_by, a.set_at, c.hash, c.document, c.source_text, c.created_at
         from contract_assignments a left join contracts c on c.hash = a.hash order by a.scope`,
      )
      .all() as Array<Omit<ContractAssignmentsTable, 'hash'> & { assigned: string } & Nullable<Selectable<ContractsTable>>>;
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

  contractByHash(hash: string): StoredContract | undefined {
    const row = this.database.prepare('select * from contracts where hash = ?').get(hash) as Selectable<ContractsTable> | undefined;
    return row === undefined ? undefined : toStoredContract(row);
  }

  policyAssignments(): PolicyAssignments {
    const rows = this.database.prepare('select * from policies order by scope').all() as Array<Selectable<PoliciesTable>>;
    let fallback: StoredPolicy | undefined;
    const projects = new Map<string, StoredPolicy>();
    for (const row of rows) {
      if (row.scope === DEFAULT_SCOPE) fallback = toStoredPolicy(row);
      else projects.set(row.scope, toStoredPolicy(row));
    }
    return { default: fallback, projects };
  }

  heldDrift(scope: Subject): HeldDrift | undefined {
    const key = scopeKey(scope);
    const row = this.database.prepare('select * from held_drifts where scope = ?').get(key) as HeldRow | undefined;
    return row === undefined ? undefined : toHeldDrift(row, key);
  }
}

type Nullable<T> = { [K in keyof T]: T[K] | null };
