import { closest } from './suggest.js';

/** Byte sizes as people write them: `2GiB`, `1.5 GB`, `512MiB`, `1048576`. */

const UNITS: Readonly<Record<string, bigint>> = {
  B: 1n,
  kB: 1000n,
  MB: 1000n ** 2n,
  GB: 1000n ** 3n,
  TB: 1000n ** 4n,
  KiB: 1024n,
  MiB: 1024n ** 2n,
  GiB: 1024n ** 3n,
  TiB: 1024n ** 4n,
};
export const SIZE_UNITS: readonly string[] = Object.keys(UNITS);

/** Bytes, or what is wrong with the text. */
export function parseSize(text: string): { readonly bytes: number } | { readonly problem: string } {
  const match = /^(\d+)(?:\.(\d+))?\s*([A-Za-z]*)$/.exec(text.trim());
  if (match === null) return { problem: `${JSON.stringify(text)} is not a size (write a number of bytes, or like 2GiB or 500MB)` };
  const [, whole = '', fraction = '', unit = ''] = match;
  const factor = UNITS[unit === '' ? 'B' : unit];
  if (factor === undefined) {
    const meant = closest(unit, SIZE_UNITS);
    return { problem: `${JSON.stringify(unit)} is not a size unit (${meant === undefined ? `use one of ${SIZE_UNITS.join(', ')}` : `did you mean ${JSON.stringify(meant)}?`})` };
  }
  // BigInt keeps `1.1GB` exact, where 1.1 * 1e9 in floating point is not.
  const scale = 10n ** BigInt(fraction.length);
  const scaled = BigInt(whole + fraction) * factor;
  if (scaled % scale !== 0n) return { problem: `${JSON.stringify(text)} is not a whole number of bytes` };
  return checkBytes(Number(scaled / scale), text);
}

/** A number of bytes as written in the file: a positive whole number. */
export function checkBytes(bytes: number, written: string = String(bytes)): { readonly bytes: number } | { readonly problem: string } {
  if (!Number.isSafeInteger(bytes) || bytes <= 0) return { problem: `${JSON.stringify(written)} is not a positive whole number of bytes` };
  return { bytes };
}

/** In the largest unit that states it as a whole number (`2GiB`, `500MB`), else the plain number of bytes. */
export function formatSize(bytes: number): string | number {
  const exact = Object.entries(UNITS)
    .filter(([unit, factor]) => unit !== 'B' && BigInt(bytes) % factor === 0n)
    .sort(([, a], [, b]) => (a > b ? -1 : a < b ? 1 : 0))[0];
  return exact === undefined ? bytes : `${BigInt(bytes) / exact[1]}${exact[0]}`;
}
