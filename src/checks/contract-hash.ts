import { createRequire } from 'node:module';
import type { CheckContract } from '../domain/index.js';

/** JSON with object keys in sorted order at every depth: the same contract always reads the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) => {
    if (field === null || typeof field !== 'object' || Array.isArray(field)) return field;
    return Object.fromEntries(Object.entries(field as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

/**
 * sha256 (hex) of the contract's canonical JSON. Contracts are always fully resolved (every
 * default filled in), so two files that mean the same contract hash the same.
 */
export function contractHash(contract: CheckContract): string {
  // Required on first use: loading node:crypto costs a visible share of a short command's start.
  const { createHash } = createRequire(import.meta.filename)('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(canonicalJson(contract), 'utf8').digest('hex');
}
