/**
 * Run ids: unique, time-ordered when read, and made without node:crypto (loading it costs a
 * visible share of a short `set`). Uniqueness, not secrecy, is what they need: an id labels a
 * run row and its container, and nothing is authorized by knowing one. 96 random bits from the
 * caller's source (Math.random: V8 seeds it per process from the OS) after the millisecond
 * clock make a collision between two runs practically impossible.
 */
export function runIdSource(now: () => Date, random: () => number): () => string {
  const word = () => Math.floor(random() * 0x1_0000_0000).toString(16).padStart(8, '0');
  return () => `${now().getTime().toString(36)}-${word()}${word()}${word()}`;
}
