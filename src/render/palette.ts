import type { ChalkInstance } from 'chalk';

/**
 * The colours our lines use. With colour on it is chalk's; without (no terminal, NO_COLOR,
 * --no-color, --json) a palette that adds nothing, which is what chalk at level 0 returns: then
 * chalk is never loaded (building its style tables is a visible share of a `show`).
 */
export interface Palette {
  /** 0: no colour; above: chalk's colour level. */
  readonly level: number;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  magenta(text: string): string;
}

const same = (text: string): string => text;

export const PLAIN: Palette = { level: 0, dim: same, red: same, green: same, yellow: same, magenta: same };

/** Makes a colour palette at a level; loaded only where colour can be on. */
export type PaletteMaker = (level: number) => Palette;

/**
 * Whether colour can be on at all: no NO_COLOR, a terminal that is not dumb, and stdout a terminal
 * (asked last: learning it may build the stream).
 */
export function colourPossible(env: Readonly<Record<string, string | undefined>>, stdout: { readonly isTTY: boolean }): boolean {
  return (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb' && stdout.isTTY;
}

/** chalk, loaded now, as a palette maker. */
export async function loadChalkPalette(): Promise<PaletteMaker> {
  const { Chalk } = await import('chalk');
  return (level) => new Chalk({ level: level as ChalkInstance['level'] });
}
