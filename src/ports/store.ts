import type {
  AuditEntry,
  CachedSmoke,
  CheckContract,
  DriftPolicy,
  HeldDrift,
  Inventory,
  OutcomeClass,
  ImageSlot,
  SlotSummary,
  OperatorRecord,
  OperatorRole,
  PolicyAssignments,
  SignaturePolicy,
  StoredContract,
  StoredPolicy,
  Subject,
  ValidationRunRecord,
  ValidationVerdict,
} from '../domain/index.js';

/**
 * The authorization rule for one write (made by src/lifecycle/authorization.ts). The store reads
 * the actor's role inside the write's own transaction and hands it to `check`, which throws
 * ForbiddenError when the role does not allow the write: the decision is the lifecycle's, the
 * read is atomic with the change.
 */
export interface Permit {
  readonly actor: string;
  check(role: OperatorRole | undefined): void;
}

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
  /**
   * What the run's version checks found, stored on the run. The slot takes it (and the verdict's
   * warnings) when it takes the run's pin: a verified verdict without a `finding`. A slot that keeps
   * its pin keeps its own; a failed verdict clears both.
   */
  readonly inventory?: Inventory;
  /** Merged into the detail of the audit row the run writes (none for an `unchanged` re-validation). */
  readonly auditDetail?: Record<string, unknown>;
  /**
   * A drifted tag that passed under a hold policy (outcome `drift-held`; the verdict is the kept
   * pin): stored as the scope's held drift, replacing any older one, until approved or voided.
   */
  readonly held?: HeldDrift;
}

/** A contract to assign: resolved, with its hash (src/checks/contract-hash.ts) and the file it came from. */
export interface ContractToSet {
  readonly hash: string;
  readonly contract: CheckContract;
  readonly sourceText: string | null;
}

/** The contract hashes a scope was assigned before and after a `setContract`. */
export interface ContractChange {
  readonly before: string | null;
  readonly after: string | null;
  readonly changed: boolean;
}

export interface ContractAssignments {
  readonly default: StoredContract | undefined;
  readonly projects: ReadonlyMap<string, StoredContract>;
}

/** A change to a scope's policies: an absent field is left as it is, null clears it. */
export interface PolicyChange {
  readonly signatures?: SignaturePolicy | null;
  readonly drift?: DriftPolicy | null;
}

/** A scope's policies before and after a `setPolicy` (undefined: the scope has none). */
export interface PolicySetResult {
  readonly before: StoredPolicy | undefined;
  readonly after: StoredPolicy | undefined;
  readonly changed: boolean;
}

/** What `approveDrift` did: the slot before and after taking the held digest, and the drift it took. */
export interface DriftApproval {
  readonly before: ImageSlot;
  readonly after: ImageSlot;
  readonly held: HeldDrift;
}

/** What `doctor` says about the store: where it is and, on a server, who this process is there. */
export type StoreDescription =
  | { readonly kind: 'sqlite'; readonly location: string }
  | {
      readonly kind: 'postgres';
      readonly location: string;
      readonly schema: string;
      /** The authenticated database role: the actor of every change this process makes. */
      readonly connectedRole: string;
      readonly operatorRole: OperatorRole | null;
      /** A server superuser bypasses nothing of ours by accident, but can disable triggers on purpose. */
      readonly serverSuperuser: boolean;
      /** Owns the schema or one of its tables (directly or through a role it has): it can drop the triggers. */
      readonly schemaOwner: boolean;
    };

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
  /** Every project's lifecycle line, in id order: what `list` prints, read without what only `show` needs. */
  listSummaries(): Promise<readonly SlotSummary[]>;
  /** Stores the new reference as `pending` (or null), bumps the generation and writes the audit row, atomically. */
  changeSlot(change: SlotChange, permit: Permit): Promise<SlotChangeResult>;
  /** Deletes a project; refuses (ProjectHasImageError) while it has an image unless forced. */
  deleteProject(project: string, force: boolean, permit: Permit): Promise<ImageSlot>;
  /** Records that a validation run started (a lease other processes can see). */
  beginRun(run: RunStart, permit: Permit): Promise<void>;
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
  operators(): Promise<readonly OperatorRecord[]>;
  roleOf(actor: string): Promise<OperatorRole | undefined>;
  /** Grants (or changes) a role, audited as done by `permit.actor`; refuses demoting the last superadmin. */
  setOperator(actor: string, role: OperatorRole, permit: Permit): Promise<void>;
  /** Revokes a role (NotAnOperatorError, LastSuperadminError), audited as done by `permit.actor`. */
  removeOperator(actor: string, permit: Permit): Promise<void>;
  /** The remembered smoke-test verdict for an image under a contract, if it was ever tested. */
  cachedSmoke(imageId: string, contractHash: string): Promise<CachedSmoke | undefined>;
  saveSmoke(imageId: string, contractHash: string, result: Omit<CachedSmoke, 'testedAt'>): Promise<void>;
  /** The contract assigned to the default scope and to each project, in one read. */
  contractAssignments(): Promise<ContractAssignments>;
  /**
   * Assigns a contract to the default scope or a project (null clears it), audited. Contracts are
   * kept by hash for ever; the same hash again writes nothing. ProjectNotFoundError for an unknown project.
   */
  setContract(scope: Subject, contract: ContractToSet | null, actor: string, permit: Permit): Promise<ContractChange>;
  /** Any contract ever set, by its hash (setBy/setAt null: no assignment is implied). */
  contractByHash(hash: string): Promise<StoredContract | undefined>;
  /** The policies of the default scope and of each project that has its own, in one read. */
  policyAssignments(): Promise<PolicyAssignments>;
  /**
   * Changes a scope's signature and/or drift policy, audited (trust_set / trust_cleared,
   * drift_policy_set). Unchanged writes nothing; a scope left with no policy has none stored.
   * ProjectNotFoundError for an unknown project.
   */
  setPolicy(scope: Subject, change: PolicyChange, actor: string, permit: Permit): Promise<PolicySetResult>;
  /** The drift held for a scope's slot, waiting for approval. */
  heldDrift(scope: Subject): Promise<HeldDrift | undefined>;
  /**
   * Pins the scope's held drift, bumping the slot's generation (a run begun before is stale), audited
   * as drift_approved. NothingToApproveError without one; HeldDriftStaleError when the slot moved on.
   */
  approveDrift(scope: Subject, actor: string, permit: Permit): Promise<DriftApproval>;
  /**
   * Runs `fn` (a smoke test and the caching of its verdict) while no other process sharing this
   * store runs one for the same image and contract: a second caller waits, then finds the verdict
   * cached. On SQLite (one host) only the caller's own process is serialized, by its evaluations.
   */
  exclusiveSmoke<T>(imageId: string, contractHash: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T>;
  /**
   * Whom exclusiveSmoke serializes: `shared`, every process of every host on this store (a smoke
   * container exists only under the lock); `process`, only the caller's own evaluations.
   */
  readonly smokeLock: 'shared' | 'process';
  describe(): Promise<StoreDescription>;
  schemaVersion(): Promise<string>;
  close(): Promise<void>;
}
