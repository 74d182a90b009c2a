import type { CheckSeverity, FileType, SoftFailurePolicy } from '../../domain/index.js';

/**
 * A contract file as written, validated but not resolved: defaults are still absent, `extends`
 * and `drop` not applied. Only notation is normalized (a mode is four digits, a size is bytes, a
 * numeric uid is text), so two spellings of the same value are one value here already.
 */
export interface ContractFile {
  /** The format version. */
  readonly contract: 1;
  /** As written, else the file's base name without its extension. */
  readonly name: string;
  /** The built-in contract the file starts from. */
  readonly extends?: 'worker';
  /** Absent: the extended contract's policy, else `fail`. */
  readonly softFailures?: SoftFailurePolicy;
  /** Ids of extended checks to remove ([] when absent). */
  readonly drop: readonly string[];
  /** In file order ([] when absent); an id of an extended check replaces that check in place. */
  readonly checks: readonly CheckEntry[];
  /** Where the file's fields are, for errors found while resolving; absent for a file built in code. */
  readonly origin?: ContractFileOrigin;
}

export interface ContractFileOrigin {
  /** The file name as given to the parser. */
  readonly file: string;
  /** Each field's path (`checks[2].range`) to the position of its value. */
  readonly positions: Readonly<Record<string, SourcePosition>>;
}

/** 1-based, like editors and compilers. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

interface EntryBase {
  readonly id: string;
  readonly label?: string;
  readonly severity?: CheckSeverity;
}

export interface CommandEntry extends EntryBase {
  readonly kind: 'command';
  readonly run: string;
  readonly exitCode?: number;
  readonly expectOutput?: readonly string[];
  readonly rejectOutput?: readonly string[];
}

export interface VersionEntry extends EntryBase {
  readonly kind: 'version';
  readonly tool: string;
  readonly run?: string;
  readonly pattern?: string;
  readonly range?: string;
}

export interface FileEntry extends EntryBase {
  readonly kind: 'file';
  readonly path: string;
  readonly type?: FileType;
  readonly executable?: boolean;
  /** Four octal digits. */
  readonly mode?: string;
  readonly owner?: string;
}

/** The file spells ConfigExpectations flat on the check: `pathIncludes` is `path`, `maxSize` is `maxSizeBytes`. */
export interface ConfigEntry extends EntryBase {
  readonly kind: 'config';
  readonly user?: { readonly notRoot: true } | { readonly is: string };
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly env?: Readonly<Record<string, string | null>>;
  readonly pathIncludes?: readonly string[];
  readonly labels?: Readonly<Record<string, string | null>>;
  /** Bytes. */
  readonly maxSize?: number;
  readonly os?: string;
  readonly architecture?: string;
}

export type CheckEntry = CommandEntry | VersionEntry | FileEntry | ConfigEntry;

/** The format versions this build reads. */
export const KNOWN_VERSIONS: readonly number[] = [1];

/** What `extends` may name. */
export const EXTENDABLE = 'worker';
