/**
 * The error hierarchy every layer speaks. Each error carries a stable `code` (for --json and
 * scripts) and the process exit code, so the entry module never has to guess from message text.
 * Adapters translate dockerode/SQLite failures into these exactly once.
 */

/** Exit codes are part of the CLI's contract; the README documents them. */
export const ExitCode = {
  ok: 0,
  /** Validation ran and the image failed, or the subject is not launchable. */
  failed: 1,
  /** Bad input: usage, malformed reference, unknown project. Nothing was stored. */
  usage: 2,
  /** `resolve` on a project whose validation has not finished (sysexits EX_TEMPFAIL). */
  pending: 75,
  /** The Docker engine or the store cannot be reached or used (sysexits EX_UNAVAILABLE). */
  unavailable: 69,
  /** An internal error: a bug (sysexits EX_SOFTWARE). */
  internal: 70,
  /** The actor may not make this change (sysexits EX_NOPERM). */
  forbidden: 77,
  /** Killed by SIGINT / SIGTERM during a run (128 + signal number). */
  interrupted: 130,
  terminated: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class CascadeError extends Error {
  abstract readonly code: string;
  abstract readonly exitCode: ExitCodeValue;
  /** What the user can do about it; rendered after the message. */
  readonly hint: string | undefined;
  /** How the hint is introduced: `fix` when it is the one thing that repairs the setup (a wrong password, a missing database). */
  readonly hintLabel: 'hint' | 'fix';

  constructor(message: string, options: { hint?: string; fix?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.fix ?? options.hint;
    this.hintLabel = options.fix === undefined ? 'hint' : 'fix';
  }
}

export class UsageError extends CascadeError {
  readonly code: string = 'USAGE';
  readonly exitCode = ExitCode.usage;
}

export class InvalidReferenceError extends UsageError {
  override readonly code = 'INVALID_REFERENCE';
  constructor(
    readonly reference: string,
    readonly reason: string,
  ) {
    super(`invalid image reference ${JSON.stringify(reference)}: ${reason}`, {
      hint: 'use Docker reference syntax, e.g. registry.example.com/team/worker:1.4 or repo@sha256:<64 hex>',
    });
  }
}

export class ProjectNotFoundError extends UsageError {
  override readonly code = 'PROJECT_NOT_FOUND';
  /**
   * What the user most likely wants next: create it (a change named it) or look it up (a read did).
   * The CLI turns this into a hint naming its own commands.
   */
  constructor(
    readonly project: string,
    readonly next: 'create' | 'list' = 'create',
  ) {
    super(`project ${JSON.stringify(project)} does not exist`);
  }
}

/** `create` of a project that exists already. */
export class ProjectExistsError extends UsageError {
  constructor(readonly project: string) {
    super(`project ${JSON.stringify(project)} already exists`);
  }
}

/** `delete` of a project that still has its own image, without --force. */
export class ProjectHasImageError extends UsageError {
  constructor(
    readonly project: string,
    readonly reference: string,
  ) {
    super(`project ${JSON.stringify(project)} still has a worker image (${reference})`);
  }
}

/** `operators revoke` of someone who is not an operator. */
export class NotAnOperatorError extends UsageError {
  constructor(readonly actor: string) {
    super(`${actor} is not an operator`);
  }
}

/** Revoking or demoting the only superadmin would leave nobody able to change anything. */
export class LastSuperadminError extends UsageError {
  constructor(readonly actor: string) {
    super(`${actor} is the last superadmin and cannot be revoked`);
  }
}

/** A file given as a trusted public key that cannot be one: the message names the file and what is wrong. */
export class TrustKeyError extends UsageError {
  override readonly code = 'TRUST_KEY_INVALID';
  constructor(
    readonly source: string,
    readonly problem: string,
  ) {
    super(`${source}: not a usable public key: ${problem}`, {
      hint: 'give the public key as PEM (`-----BEGIN PUBLIC KEY-----`, like cosign.pub): ECDSA P-256, RSA of 2048 bits or more, or Ed25519',
    });
  }
}

/** `approve` of a scope that holds no drift. `project` is null for the global default. */
export class NothingToApproveError extends UsageError {
  override readonly code = 'NOTHING_TO_APPROVE';
  constructor(readonly project: string | null) {
    super(`nothing to approve: no drift is held for ${scopeText(project)}`);
  }
}

/** `approve` of a held drift the slot has moved on from (changed, re-validated, no longer verified). */
export class HeldDriftStaleError extends UsageError {
  override readonly code = 'HELD_DRIFT_STALE';
  constructor(
    readonly project: string | null,
    /** What changed, for people: `the project changed since (generation 3, now 4)`. */
    readonly reason: string,
  ) {
    super(`the drift held for ${scopeText(project)} can no longer be approved: ${reason}`);
  }
}

const scopeText = (project: string | null): string => (project === null ? 'the global default' : `project ${JSON.stringify(project)}`);

/** One thing wrong in a contract file, at the offending node (line and column 1-based). */
export interface ContractFileIssue {
  readonly line: number;
  readonly column: number;
  /** The field's path in the file, like `checks[2].range`; `(file)` for the file as a whole. */
  readonly field: string;
  readonly message: string;
  readonly hint?: string;
}

/** How many issues a ContractFileError's message lists; the rest are counted. */
const LISTED_ISSUES = 5;

/**
 * A contract file that cannot be used: YAML syntax, an unknown format version, a field that is
 * missing, unknown or wrong. The message lists the issues as `<file>:<line>:<column>: <field>:
 * <what is wrong>`, one a line; `line`, `column` and `field` are the first issue's.
 */
export class ContractFileError extends UsageError {
  override readonly code = 'CONTRACT_INVALID';
  readonly line: number;
  readonly column: number;
  readonly field: string;

  constructor(
    readonly file: string,
    readonly issues: readonly [ContractFileIssue, ...ContractFileIssue[]],
  ) {
    const lines = issues.slice(0, LISTED_ISSUES).map((issue) => `${file}:${issue.line}:${issue.column}: ${issue.field}: ${issue.message}`);
    if (issues.length > LISTED_ISSUES) lines.push(`(and ${issues.length - LISTED_ISSUES} more)`);
    super(lines.join('\n'), {
      hint: issues[0].hint ?? 'a contract file is YAML (or JSON): `contract: 1`, optionally `extends: worker`, and a list of `checks`',
    });
    this.line = issues[0].line;
    this.column = issues[0].column;
    this.field = issues[0].field;
  }
}

export class ForbiddenError extends CascadeError {
  readonly code = 'FORBIDDEN';
  readonly exitCode = ExitCode.forbidden;
  constructor(
    readonly actor: string,
    readonly required: 'superadmin' | 'operator' = 'superadmin',
  ) {
    super(`forbidden: ${actor} is not ${required === 'superadmin' ? 'a superadmin' : 'an operator'}`);
  }
}

export class StoreUnavailableError extends CascadeError {
  readonly code: string = 'STORE_UNAVAILABLE';
  readonly exitCode = ExitCode.unavailable;
}

export class StoreSchemaTooNewError extends StoreUnavailableError {
  override readonly code = 'STORE_SCHEMA_TOO_NEW';
}

export class EngineUnavailableError extends CascadeError {
  readonly code = 'ENGINE_UNAVAILABLE';
  readonly exitCode = ExitCode.unavailable;
}

/**
 * A registry could not be asked: unreachable, its name does not resolve, TLS failed, no answer in
 * time, a 5xx or 429, or it refused our credentials (or wants some and there are none). Not the
 * image's fault: a signature verdict marks it `unavailable`. The message names the host and the
 * request's path only, never a credential or token. A malformed answer is not this: the registry
 * adapter reports those as data (SignatureLookup.malformed).
 */
export class RegistryUnavailableError extends CascadeError {
  readonly code = 'REGISTRY_UNAVAILABLE';
  readonly exitCode = ExitCode.unavailable;
  constructor(
    readonly host: string,
    readonly detail: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(`registry ${host} is unavailable: ${detail}`, options);
  }
}

/** A request ended by the caller's signal (an interrupt, or a bound the caller set): the caller knows which. */
export class InterruptedError extends CascadeError {
  readonly code = 'INTERRUPTED';
  readonly exitCode = ExitCode.interrupted;
}

/** What the Docker adapter found wrong, in our words; nothing above the adapter reads engine text. */
export type DockerFailureKind =
  /** The engine did not answer (socket missing, daemon down). */
  | 'engine-unavailable'
  /** The registry refused us (auth). */
  | 'denied'
  /** The registry has no such repository or tag. */
  | 'not-found'
  /** The registry could not be reached. */
  | 'registry-unreachable'
  /** No manifest for the engine's platform. */
  | 'platform'
  /** The image has no bash to run the smoke-test with. */
  | 'no-bash'
  /** The image is not present locally (inspect/run by digest). */
  | 'image-missing'
  | 'aborted'
  | 'other';

/**
 * A failure from the engine, classified once by the adapter. A validation turns it into a
 * `failed` verdict; anywhere else it ends the command: 69 (the engine is unavailable or unusable),
 * 130 for an interrupted call.
 */
export class DockerFailure extends CascadeError {
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  /** What went wrong, without the endpoint (the message names the endpoint where it matters). */
  readonly detail: string;

  constructor(
    readonly kind: DockerFailureKind,
    detail: string,
    options: { cause?: unknown; endpoint?: string } = {},
  ) {
    super(kind === 'engine-unavailable' && options.endpoint !== undefined ? `Docker engine unreachable at ${options.endpoint}: ${detail}` : detail, options);
    this.detail = detail;
    this.code = kind === 'engine-unavailable' ? 'ENGINE_UNAVAILABLE' : kind === 'aborted' ? 'INTERRUPTED' : 'ENGINE_ERROR';
    this.exitCode = kind === 'aborted' ? ExitCode.interrupted : ExitCode.unavailable;
  }
}

/** Why a launcher cannot have an image yet: it is pending, it failed, or there is none at all. */
export type NotLaunchableSituation = 'pending' | 'failed' | 'no-image';

/** A launcher asked for an image that is not (yet) launchable. */
export class NotLaunchableError extends CascadeError {
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  constructor(
    message: string,
    readonly situation: NotLaunchableSituation,
    /** The project id, or null for the global default. */
    readonly project: string | null,
  ) {
    super(message);
    this.code = situation === 'pending' ? 'NOT_LAUNCHABLE_PENDING' : 'NOT_LAUNCHABLE_FAILED';
    this.exitCode = situation === 'pending' ? ExitCode.pending : ExitCode.failed;
  }
}

/** `contract init --from`: the image could not be probed (it did not pull, pin or start). */
export class ProbeFailedError extends CascadeError {
  readonly code = 'PROBE_FAILED';
  readonly exitCode = ExitCode.failed;
  constructor(
    readonly reference: string,
    readonly reason: string,
  ) {
    super(`cannot probe ${reference}: ${reason}`, { hint: 'probe an image that pulls and starts: one that `set` would verify' });
  }
}

export class InternalError extends CascadeError {
  readonly code = 'INTERNAL';
  readonly exitCode = ExitCode.internal;
}

/** Anything that is not ours becomes an InternalError, keeping the original as the cause. */
export function asCascadeError(error: unknown): CascadeError {
  if (error instanceof CascadeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new InternalError(`unexpected error: ${message}`, {
    cause: error,
    hint: 'this is a bug in cascade-image; please report it with the command you ran',
  });
}
