// Only the range parser: the subpath keeps the rest of semver out of the bundle and the start-up.
import coerce from 'semver/functions/coerce.js';
import validRange from 'semver/ranges/valid.js';

/** Whether `range` is a semver range (`>=20 <23`, `^2.40`, `1.x || 2.x`); blank text is not one. */
export function isValidRange(range: string): boolean {
  return range.trim() !== '' && validRange(range) !== null;
}

/**
 * The floor range for a version as a tool printed it (`v20.11.1` → `>=20.11.1`, `1.2` → `>=1.2.0`),
 * or null when it reads as no version at all.
 */
export function versionFloor(printed: string): string | null {
  const version = coerce(printed, { loose: true, includePrerelease: true });
  return version === null ? null : `>=${version.version}`;
}
