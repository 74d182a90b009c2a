import type { CheckKind, CheckSeverity } from './contract.js';

/** What one check of a contract found, in the smoke container or in the image's configuration. */
export interface CheckResult {
  readonly id: string;
  readonly label: string;
  readonly kind: CheckKind;
  readonly severity: CheckSeverity;
  readonly passed: boolean;
  /** The exit status of a container check; null when it never reported one (and for config checks). */
  readonly exitCode: number | null;
  /** Kept (capped) output of a container check, without the protocol's line prefix; '' for config checks. */
  readonly output: string;
  /** For a failed check, what was found against what was expected (`found v18.19.0, need >=20 <23`); '' when passed. */
  readonly detail: string;
  /** Version checks: the version as printed (`v20.11.1`), null when none could be read. */
  readonly version?: string | null;
  /** Version checks: where `command -v` found the tool, null when it is not on PATH. */
  readonly path?: string | null;
}
