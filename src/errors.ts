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

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
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
  constructor(readonly project: string, hint = `create it with: cascade-image set ${project} <ref> --create`) {
    super(`project ${JSON.stringify(project)} does not exist`, { hint });
  }
}

export class ForbiddenError extends CascadeError {
  readonly code = 'FORBIDDEN';
  readonly exitCode = ExitCode.forbidden;
  constructor(
    readonly actor: string,
    readonly required: 'superadmin' | 'operator' = 'superadmin',
  ) {
    super(`forbidden: ${actor} is not ${required === 'superadmin' ? 'a superadmin' : 'an operator'}`, {
      hint:
        required === 'superadmin'
          ? `ask a superadmin to run: cascade-image operators grant ${actor} --role superadmin`
          : `ask a superadmin to run: cascade-image operators grant ${actor} --role viewer`,
    });
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

/** A launcher asked for an image that is not (yet) launchable. */
export class NotLaunchableError extends CascadeError {
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  constructor(message: string, readonly state: 'pending' | 'failed', hint?: string) {
    super(message, hint === undefined ? {} : { hint });
    this.code = state === 'pending' ? 'NOT_LAUNCHABLE_PENDING' : 'NOT_LAUNCHABLE_FAILED';
    this.exitCode = state === 'pending' ? ExitCode.pending : ExitCode.failed;
  }
}

export class InterruptedError extends CascadeError {
  readonly code = 'INTERRUPTED';
  readonly exitCode: ExitCodeValue;
  constructor(readonly signal: 'SIGINT' | 'SIGTERM') {
    super(`interrupted (${signal})`);
    this.exitCode = signal === 'SIGINT' ? ExitCode.interrupted : ExitCode.terminated;
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
