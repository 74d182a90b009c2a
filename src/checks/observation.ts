/**
 * What the smoke script reports for one container check, before any judgement: report.ts reads
 * these from the container's output, judge.ts decides what they mean against the check.
 */
export interface Observation {
  /** null when the check never reported an end marker (script killed, output cut short…). */
  readonly exitCode: number | null;
  /** Kept (capped) stdout+stderr of the check, without the protocol's line prefix. */
  readonly output: string;
  /** Version checks: where `command -v` found the tool; null when it is not on PATH. */
  readonly path?: string | null;
  /** File checks: what the probe found; null when nothing exists at the path. */
  readonly file?: FileFacts | null;
}

export interface FileFacts {
  readonly type: 'file' | 'directory' | 'other';
  /** Executable by its owner, group or others. */
  readonly executable: boolean;
  /** Four octal digits (`0755`); null when the image has no `stat` to ask. */
  readonly mode: string | null;
  readonly uid: number | null;
  /** The owner's name; null when unknown (no `stat`, or no passwd entry). */
  readonly user: string | null;
}
