import type { OutputStreams } from '../render/streams.js';

/** Everything the CLI needs from the process, handed in by the entry module (the one process boundary). */
export interface Runtime extends OutputStreams {
  readonly argv: readonly string[];
  readonly pid: number;
  readonly hostname: string;
  readonly username: string;
  readonly homedir: string;
  readonly now: () => Date;
  /** Whether a process with this id runs on this host (for abandoned-run detection). */
  readonly processAlive: (pid: number) => boolean;
  /** Subscribes to SIGINT/SIGTERM for the length of a run; returns the unsubscribe. */
  readonly onSignal: (handler: (signal: 'SIGINT' | 'SIGTERM') => void) => () => void;
}
