/**
 * A check contract: what an image must prove before a run may be launched in it. Contracts come
 * from the built-in worker contract (src/checks/worker-contract.ts) or from a contract file
 * (src/formats/contract-file/), always fully resolved: every default filled in, `extends`,
 * overrides and drops applied. Its hash (src/checks/contract-hash.ts) is over exactly this shape.
 */

/** A hard failure means the image cannot host a run; a soft one is a degraded image. */
export type CheckSeverity = 'hard' | 'soft';

/** What a soft failure does to the verdict: `fail` (the default: every check must pass) or `warn`. */
export type SoftFailurePolicy = 'fail' | 'warn';

interface CheckBase {
  /** Short stable slug, unique in its contract; overrides and drops name it. */
  readonly id: string;
  /** Human text; printed verbatim in `FAIL: <label> check failed`. Single line, no control characters. */
  readonly label: string;
  readonly severity: CheckSeverity;
}

/** Runs shell code in the smoke container; passes on the expected exit status and output. */
export interface CommandCheck extends CheckBase {
  readonly kind: 'command';
  /** Shell code run by bash inside the smoke container, never on the host. */
  readonly run: string;
  /** The exit status that passes (default 0). */
  readonly exitCode: number;
  /** JavaScript regular expressions (source text) that must all match the output. */
  readonly expectOutput: readonly string[];
  /** JavaScript regular expressions none of which may match the output. */
  readonly rejectOutput: readonly string[];
}

/** A tool's version, read from its output, against a semver range. */
export interface VersionCheck extends CheckBase {
  readonly kind: 'version';
  /** The command name; resolved with `command -v` in the container for the inventory. */
  readonly tool: string;
  /** Shell code printing the version (default `<tool> --version`). */
  readonly run: string;
  /** A regular expression whose first capture group is the version; null: the default pattern. */
  readonly pattern: string | null;
  /** A semver range (`>=20 <23`); null: any version passes, the version is only recorded. */
  readonly range: string | null;
}

export type FileType = 'file' | 'directory' | 'any';

/** A path in the image's file system, probed inside the smoke container. */
export interface FileCheck extends CheckBase {
  readonly kind: 'file';
  /** Absolute path. */
  readonly path: string;
  readonly type: FileType;
  /** true: must be executable (by its owner, group or others); null: not checked. */
  readonly executable: boolean | null;
  /** Octal permission bits, four digits (`0755`); null: not checked. */
  readonly mode: string | null;
  /** A user name or a numeric uid; null: not checked. */
  readonly owner: string | null;
}

/** The image's configuration, decided from `docker image inspect` alone: no container runs. */
export interface ConfigCheck extends CheckBase {
  readonly kind: 'config';
  readonly expect: ConfigExpectations;
}

/** Every field present must hold; an absent field is not checked. */
export interface ConfigExpectations {
  /** `notRoot`: the configured user is not root (empty, `root` or `0`); `is`: exactly this user (name or uid). */
  readonly user?: { readonly notRoot: true } | { readonly is: string };
  /** Exact entrypoint; [] means none. */
  readonly entrypoint?: readonly string[];
  /** Exact cmd; [] means none. */
  readonly cmd?: readonly string[];
  /** Environment entries: a value must match exactly; null means present with any value. */
  readonly env?: Readonly<Record<string, string | null>>;
  /** Directories that must be on the configured PATH. */
  readonly path?: readonly string[];
  /** Labels: a value must match exactly; null means present with any value. */
  readonly labels?: Readonly<Record<string, string | null>>;
  /** The image's size (as the engine reports it) at most this many bytes. */
  readonly maxSizeBytes?: number;
  readonly os?: string;
  readonly architecture?: string;
}

export type Check = CommandCheck | VersionCheck | FileCheck | ConfigCheck;
export type CheckKind = Check['kind'];
/** The checks that run inside the smoke container. */
export type ContainerCheck = CommandCheck | VersionCheck | FileCheck;

export interface CheckContract {
  /** A name for people (`worker` for the built-in). */
  readonly name: string;
  readonly softFailures: SoftFailurePolicy;
  readonly checks: readonly Check[];
}

/** Where the contract a subject is held to came from. */
export type ContractSource = 'builtin' | 'default' | 'project';

/** A contract as the store keeps it: resolved, hashed, with the text it was set from. */
export interface StoredContract {
  readonly hash: string;
  readonly contract: CheckContract;
  /** The file as the operator gave it (null for the built-in). */
  readonly sourceText: string | null;
  readonly setBy: string | null;
  readonly setAt: string | null;
}

/** The contract that applies to a subject, and why. */
export interface EffectiveContract {
  readonly source: ContractSource;
  readonly hash: string;
  readonly contract: CheckContract;
}

/** One tool found by a version check: the inventory of a digest is the list of these. */
export interface InventoryEntry {
  /** The version check's id. */
  readonly check: string;
  readonly tool: string;
  /** The version as printed (`v20.11.1`); null when none could be read. */
  readonly version: string | null;
  /** Where `command -v` found the tool; null when it is not on PATH. */
  readonly path: string | null;
}

export type Inventory = readonly InventoryEntry[];

/** One difference between two inventories of a subject (the pinned digest's and a drifted tag's). */
export type InventoryChange =
  | { readonly tool: string; readonly change: 'added'; readonly to: InventoryEntry }
  | { readonly tool: string; readonly change: 'removed'; readonly from: InventoryEntry }
  | { readonly tool: string; readonly change: 'changed'; readonly from: InventoryEntry; readonly to: InventoryEntry };

/** The contracts the store assigns: one for the default scope, one per project that has its own. */
export interface ContractAssignments {
  readonly default: StoredContract | undefined;
  readonly projects: ReadonlyMap<string, StoredContract>;
}
