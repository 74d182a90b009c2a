import type {
  AuditEntry,
  CachedSmoke,
  OutcomeClass,
  ImageSlot,
  OperatorRecord,
  OperatorRole,
  Subject,
  ValidationRunRecord,
  ValidationVerdict,
} from '../lifecycle/model.js';

/** A change to a slot's reference: `null` reverts it to the global default (or no default). */
export interface SlotChange {
  readonly subject: Subject;
  readonly reference: string | null;
  readonly allowLocal: boolean;
  readonly actor: string;
  /** Create the project when it does not exist (ignored for the default slot). */
  readonly create: boolean;
  /** The audit event name and any extra detail recorded with the change. */
  readonly event: string;
  readonly detail?: Record<string, unknown>;
}

export interface SlotChangeResult {
  readonly before: ImageSlot | undefined;
  readonly after: ImageSlot;
  readonly created: boolean;
}

export interface RunStart {
  readonly runId: string;
  readonly subject: Subject;
  readonly generation: number;
  readonly reference: string;
  readonly owner: { readonly pid: number; readonly host: string };
  readonly leaseMs: number;
}

export interface RunFinish {
  readonly runId: string;
  readonly subject: Subject;
  readonly generation: number;
  readonly reference: string;
  readonly actor: string;
  /** What the slot stores. */
  readonly verdict: ValidationVerdict;
  /** What the run found, when the slot keeps something else (a drifted tag that failed keeps its old pin). */
  readonly finding?: ValidationVerdict;
  readonly outcome: OutcomeClass;
  /** The immutable reference the run tested, when it got that far. */
  readonly testedPin?: string;
  readonly contractHash: string | null;
  readonly durationMs: number;
  readonly checks: unknown;
}

export interface AuditQuery {
  readonly project?: string;
  readonly since?: string;
  readonly limit?: number;
}

/**
 * The store port. The lifecycle engine and the commands only ever speak to this; the SQLite
 * adapter under src/store/ is the one place that knows about kysely and better-sqlite3.
 */
export interface StorePort {
  readonly path: string;
  getSlot(subject: Subject): Promise<ImageSlot | undefined>;
  listProjects(): Promise<readonly ImageSlot[]>;
  /** Stores the new reference as `pending` (or null), bumps the generation and writes the audit row, atomically. */
  changeSlot(change: SlotChange): Promise<SlotChangeResult>;
  /** Deletes a project (superadmin only); refuses while it has an image unless forced. */
  deleteProject(project: string, actor: string, force: boolean): Promise<ImageSlot>;
  /** Records that a validation run started (a lease other processes can see). */
  beginRun(run: RunStart): Promise<void>;
  /**
   * Stores a run's verdict only if the slot still has the run's generation.
   * Returns 'stale' (and stores nothing on the slot) when a newer change won.
   */
  finishRun(finish: RunFinish): Promise<'stored' | 'stale'>;
  lastRun(subject: Subject): Promise<ValidationRunRecord | undefined>;
  getRun(runId: string): Promise<ValidationRunRecord | undefined>;
  /** Every slot stored as `pending`, with the latest run of its current generation (if any). */
  pendingSlots(): Promise<ReadonlyArray<{ readonly slot: ImageSlot; readonly run: ValidationRunRecord | undefined }>>;
  audit(query: AuditQuery): Promise<readonly AuditEntry[]>;
  appendAudit(entry: Omit<AuditEntry, 'id' | 'at'>): Promise<void>;
  operators(): Promise<readonly OperatorRecord[]>;
  roleOf(actor: string): Promise<OperatorRole | undefined>;
  setOperator(actor: string, role: OperatorRole, by: string): Promise<void>;
  removeOperator(actor: string, by: string): Promise<void>;
  /** The remembered smoke-test verdict for an image under a contract, if it was ever tested. */
  cachedSmoke(imageId: string, contractHash: string): Promise<CachedSmoke | undefined>;
  saveSmoke(imageId: string, contractHash: string, result: Omit<CachedSmoke, 'testedAt'>): Promise<void>;
  schemaVersion(): Promise<string>;
  close(): Promise<void>;
}
