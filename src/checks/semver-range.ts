// Only the range parser: the subpath keeps the rest of semver out of the bundle and the start-up.
import validRange from 'semver/ranges/valid.js';

/** Whether `range` is a semver range (`>=20 <23`, `^2.40`, `1.x || 2.x`); blank text is not one. */
export function isValidRange(range: string): boolean {
  return range.trim() !== '' && validRange(range) !== null;
}
