/** Where output goes, as the entry module hands it in: the render layer never touches `process`. */
export interface TextSink {
  write(text: string): void;
  readonly isTTY: boolean;
}

export interface OutputStreams {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  /** The real stderr stream when it is a terminal: for live progress bars and spinners only. */
  readonly terminal: NodeJS.WriteStream | undefined;
  /** NO_COLOR, TERM and CI decide colour and live progress. */
  readonly env: Readonly<Record<string, string | undefined>>;
}
