import { Kysely, SqliteDialect } from 'kysely';
import type Database from 'better-sqlite3';
import type { CachedSmoke, ImageSlot, OperatorRole, Subject } from '../domain/index.js';
import type { ContractChange, ContractToSet, DriftApproval, Permit, PolicyChange, PolicySetResult, RunFinish, RunStart, SlotChange, SlotChangeResult } from '../ports/store.js';
import type { StoreSchema } from './schema.js';
import { approveDrift } from './writes/approve-drift.js';
import { initialize } from './writes/bootstrap.js';
import { setContract } from './writes/contracts.js';
import { removeOperator, setOperator } from './writes/operators.js';
import { setPolicy } from './writes/policies.js';
import { beginRun, finishRun } from './writes/runs.js';
import { changeSlot, deleteProject } from './writes/slots.js';
import { saveSmoke } from './writes/smoke-cache.js';
import { authorizedTransaction, writeTransaction, type Timestamp } from './writes/transaction.js';

/**
 * Every write to the store, through kysely, each in its own BEGIN IMMEDIATE transaction. Loaded
 * only when a command writes (sqlite-store.ts imports it lazily): kysely's import costs more than
 * the rest of a `show`, so reads go through ./sqlite-reader.ts instead. The steps live in
 * ./writes/; this class only pairs each with its transaction and, where needed, its permit.
 */
export class SqliteWriter {
  private readonly db: Kysely<StoreSchema>;
  private readonly timestamp: Timestamp;

  constructor(
    database: Database.Database,
    private readonly now: () => Date,
  ) {
    this.db = new Kysely<StoreSchema>({ dialect: new SqliteDialect({ database }) });
    this.timestamp = () => this.now().toISOString();
  }

  /** No permit: it runs before any operator exists, and names the first one. */
  initialize(path: string, bootstrapActor: string | undefined): Promise<void> {
    return writeTransaction(this.db, (tx) => initialize(tx, this.timestamp, path, bootstrapActor));
  }

  changeSlot(change: SlotChange, permit: Permit): Promise<SlotChangeResult> {
    return authorizedTransaction(this.db, permit, (tx) => changeSlot(tx, this.timestamp, change));
  }

  deleteProject(project: string, force: boolean, permit: Permit): Promise<ImageSlot> {
    return authorizedTransaction(this.db, permit, (tx) => deleteProject(tx, this.timestamp, project, permit.actor, force));
  }

  beginRun(run: RunStart, permit: Permit): Promise<void> {
    // The lease is timed from the call, not from when the write lock was obtained.
    const started = this.now();
    return authorizedTransaction(this.db, permit, (tx) => beginRun(tx, run, started));
  }

  /** No permit: the port authorizes a run once, when it begins. */
  finishRun(finish: RunFinish): Promise<'stored' | 'stale'> {
    return writeTransaction(this.db, (tx) => finishRun(tx, this.timestamp, finish));
  }

  /** No permit: a cache of what an image did under a contract, not a change anyone authorizes. */
  saveSmoke(imageId: string, contractHash: string, result: Omit<CachedSmoke, 'testedAt'>): Promise<void> {
    return writeTransaction(this.db, (tx) => saveSmoke(tx, this.timestamp, imageId, contractHash, result));
  }

  setOperator(actor: string, role: OperatorRole, permit: Permit): Promise<void> {
    return authorizedTransaction(this.db, permit, (tx) => setOperator(tx, this.timestamp, actor, role, permit.actor));
  }

  removeOperator(actor: string, permit: Permit): Promise<void> {
    return authorizedTransaction(this.db, permit, (tx) => removeOperator(tx, this.timestamp, actor, permit.actor));
  }

  setContract(scope: Subject, contract: ContractToSet | null, actor: string, permit: Permit): Promise<ContractChange> {
    return authorizedTransaction(this.db, permit, (tx) => setContract(tx, this.timestamp, scope, contract, actor));
  }

  setPolicy(scope: Subject, change: PolicyChange, actor: string, permit: Permit): Promise<PolicySetResult> {
    return authorizedTransaction(this.db, permit, (tx) => setPolicy(tx, this.timestamp, scope, change, actor));
  }

  approveDrift(scope: Subject, actor: string, permit: Permit): Promise<DriftApproval> {
    return authorizedTransaction(this.db, permit, (tx) => approveDrift(tx, this.timestamp, scope, actor));
  }
}
