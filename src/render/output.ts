import { colourPossible, PLAIN, type Palette, type PaletteMaker } from './palette.js';
import { printableLine } from './printable.js';
import type { OutputStreams } from './streams.js';

export const JSON_SCHEMA_VERSION = 1;

/**
 * Where everything printed goes: results to stdout, progress and logs to stderr. Colour only on a
 * TTY, never with NO_COLOR or --no-color, never in --json mode.
 */
export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly color: Palette;
  /** Colour and live progress are for people at a terminal only. */
  readonly interactive: boolean;
  /** The terminal live progress draws on; only set when interactive. */
  readonly terminal: NodeJS.WriteStream | undefined;

  constructor(
    private readonly runtime: OutputStreams,
    options: { json: boolean; color: boolean; quiet: boolean },
    /** Colour when it is on; without one (no terminal, NO_COLOR…) output has none. */
    colours?: PaletteMaker,
  ) {
    this.json = options.json;
    this.quiet = options.quiet;
    const colorful = options.color && !options.json && colourPossible(runtime.env, runtime.stdout);
    this.color = colorful && colours !== undefined ? colours(1) : PLAIN;
    // A terminal that reports no width (a bare pty) cannot host redrawn lines: spinners would
    // compute an endless number of lines to clear. Plain lines then, as in CI.
    const sized = (runtime.terminal?.columns ?? 0) > 0;
    this.interactive = sized && !options.json && !options.quiet && runtime.env.CI !== 'true' && runtime.env.TERM !== 'dumb';
    this.terminal = this.interactive ? runtime.terminal : undefined;
  }

  /** One result line on stdout; nothing in it can drive the terminal or start another line. */
  line(text: string): void {
    this.runtime.stdout.write(`${printableLine(text, this.color.level > 0)}\n`);
  }

  /** Result lines on stdout in one write: a long list is one system call, not one per line. */
  lines(texts: readonly string[]): void {
    if (texts.length === 0) return;
    const color = this.color.level > 0;
    this.runtime.stdout.write(`${texts.map((text) => printableLine(text, color)).join('\n')}\n`);
  }

  /** One JSON document per line on stdout. */
  jsonLine(value: unknown): void {
    this.runtime.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** The versioned envelope every --json command prints. */
  envelope(command: string, data: unknown): void {
    this.jsonLine({ schemaVersion: JSON_SCHEMA_VERSION, command, ok: true, data });
  }

  /** A log line for people (stderr); silent with --quiet. */
  note(text: string): void {
    if (!this.quiet) this.runtime.stderr.write(`${printableLine(text, this.color.level > 0)}\n`);
  }

  /** A structured log line on stderr that is always printed (the audit line). */
  logJson(value: unknown): void {
    this.runtime.stderr.write(`${JSON.stringify(value)}\n`);
  }

  /** Raw text to stderr (progress redraws). */
  progress(text: string): void {
    this.runtime.stderr.write(text);
  }
}
