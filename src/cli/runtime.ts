/** Everything the CLI needs from the process, handed in by the entry module (the one process boundary). */
export interface TextSink {
  write(text: string): void;
  readonly isTTY: boolean;
}

export interface Runtime {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  /** The real stderr stream when it is a terminal: for live progress bars and spinners only. */
  readonly terminal: NodeJS.WriteStream | undefined;
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
