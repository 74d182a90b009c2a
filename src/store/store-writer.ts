import type { Kysely } from 'kysely';
import type { CachedSmoke, ImageSlot, OperatorRole, Subject } from '../domain/index.js';
import type { ContractChange, ContractToSet, DriftApproval, Permit, PolicyChange, PolicySetResult, RunFinish, RunStart, SlotChange, SlotChangeResult } from '../ports/store.js';
import type { StoreDialect } from './dialect.js';
import type { StoreSchema } from './schema.js';
import { approveDrift } from './writes/approve-drift.js';
import { initialize } from './writes/bootstrap.js';
import { setContract } from './writes/contracts.js';
import { removeOperator, setOperator } from './writes/operators.js';
import { setPolicy } from './writes/policies.js';
import { beginRun, finishRun } from './writes/runs.js';
import { changeSlot, deleteProject } from './writes/slots.js';
import { saveSmoke } from './writes/smoke-cache.js';
import { authorizedTransaction, beginImmediate, writeTransaction, type BeginWrite, type Timestamp, type Tx } from './writes/transaction.js';

/**
 * Every write to the store, through kysely, each in its own transaction holding the store's write
 * lock (`begin`: BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL). SQLite loads it only
 * when a command writes: kysely's import costs more than the rest of a `show`, so reads go through
 * the stores' readers instead. The steps live in ./writes/, the same on both dialects; this class
 * only pairs each with its transaction and, where needed, its permit.
 */
export class StoreWriter {
  private readonly timestamp: Timestamp;

  constructor(
    private readonly db: Kysely<StoreSchema>,
    private readonly now: () => Date,
    private readonly dialect: StoreDialect = 'sqlite',
    private readonly begin: BeginWrite = beginImmediate,
  ) {
    this.timestamp = () => this.now().toISOString();
  }

  /** No permit: it runs before any operator exists, and names the first one. */
  initialize(path: string, bootstrapActor: string | undefined): Promise<void> {
    return this.transaction((tx) => initialize(tx, this.timestamp, path, bootstrapActor, this.dialect));
  }

  /** A write of the caller's own, under the same lock (a store copy). */
  transaction<T>(fn: (tx: Tx, timestamp: Timestamp) => Promise<T>): Promise<T> {
    return writeTransaction(this.db, (tx) => fn(tx, this.timestamp), this.begin);
  }

  changeSlot(change: SlotChange, permit: Permit): Promise<SlotChangeResult> {
    return authorizedTransaction(this.db, permit, (tx) => changeSlot(tx, this.timestamp, change), this.begin);
  }

  deleteProject(project: string, force: boolean, permit: Permit): Promise<ImageSlot> {
    return authorizedTransaction(this.db, permit, (tx) => deleteProject(tx, this.timestamp, project, permit.actor, force), this.begin);
  }

  beginRun(run: RunStart, permit: Permit): Promise<void> {
    // The lease is timed from the call, not from when the write lock was obtained.
    const started = this.now();
    return authorizedTransaction(this.db, permit, (tx) => beginRun(tx, run, started), this.begin);
  }

  /** No permit: the port authorizes a run once, when it begins. */
  finishRun(finish: RunFinish): Promise<'stored' | 'stale'> {
    return writeTransaction(this.db, (tx) => finishRun(tx, this.timestamp, finish), this.begin);
  }

  /** No permit: a cache of what an image did under a contract, not a change anyone authorizes. */
  saveSmoke(imageId: string, contractHash: string, result: Omit<CachedSmoke, 'testedAt'>): Promise<void> {
    return writeTransaction(this.db, (tx) => saveSmoke(tx, this.timestamp, imageId, contractHash, result), this.begin);
  }

  setOperator(actor: string, role: OperatorRole, permit: Permit): Promise<void> {
    return authorizedTransaction(this.db, permit, (tx) => setOperator(tx, this.timestamp, actor, role, permit.actor), this.begin);
  }

  removeOperator(actor: string, permit: Permit): Promise<void> {
    return authorizedTransaction(this.db, permit, (tx) => removeOperator(tx, this.timestamp, actor, permit.actor), this.begin);
  }

  setContract(scope: Subject, contract: ContractToSet | null, actor: string, permit: Permit): Promise<ContractChange> {
    return authorizedTransaction(this.db, permit, (tx) => setContract(tx, this.timestamp, scope, contract, actor), this.begin);
  }

  setPolicy(scope: Subject, change: PolicyChange, actor: string, permit: Permit): Promise<PolicySetResult> {
    return authorizedTransaction(this.db, permit, (tx) => setPolicy(tx, this.timestamp, scope, change, actor), this.begin);
  }

  approveDrift(scope: Subject, actor: string, permit: Permit): Promise<DriftApproval> {
    return authorizedTransaction(this.db, permit, (tx) => approveDrift(tx, this.timestamp, scope, actor), this.begin);
  }
}
