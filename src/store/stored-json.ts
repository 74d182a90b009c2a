import type { CheckContract, Inventory, InventoryChange, InventoryEntry, TrustedKey } from '../domain/index.js';

/**
 * JSON the store wrote that no longer reads back as what it wrote: the file was damaged, or edited
 * by something other than cascade-image. The store reports it as damage (./sqlite-errors.ts).
 */
export class DamagedContentError extends Error {
  override readonly name = 'DamagedContentError';
}

/** Parses a stored JSON column, throwing DamagedContentError unless it parses and has the expected shape. */
export function readStoredJson<T>(text: string, what: string, valid: (value: unknown) => value is T): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DamagedContentError(`${what} is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!valid(value)) throw new DamagedContentError(`${what} is not what cascade-image stores there`);
  return value;
}

// Shape checks: deep enough that a reader never trips over a missing field, not a full validation
// (what the store wrote was validated before it was written).

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isNullableString = (value: unknown): boolean => value === null || typeof value === 'string';

export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

const isInventoryEntry = (entry: unknown): entry is InventoryEntry =>
  isRecord(entry) && typeof entry.check === 'string' && typeof entry.tool === 'string' && isNullableString(entry.version) && isNullableString(entry.path);

export function isInventory(value: unknown): value is Inventory {
  return Array.isArray(value) && value.every(isInventoryEntry);
}

export function isInventoryChanges(value: unknown): value is InventoryChange[] {
  return (
    Array.isArray(value) &&
    value.every(
      (item) =>
        isRecord(item) &&
        typeof item.tool === 'string' &&
        ((item.change === 'added' && isInventoryEntry(item.to)) ||
          (item.change === 'removed' && isInventoryEntry(item.from)) ||
          (item.change === 'changed' && isInventoryEntry(item.from) && isInventoryEntry(item.to))),
    )
  );
}

const KEY_ALGORITHMS: ReadonlySet<unknown> = new Set(['ecdsa-p256', 'rsa', 'ed25519']);

/** The keys of a signature policy: never empty (the migration's CHECK says so too). */
export function isTrustedKeys(value: unknown): value is TrustedKey[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((key) => isRecord(key) && typeof key.pem === 'string' && typeof key.fingerprint === 'string' && KEY_ALGORITHMS.has(key.algorithm))
  );
}

const CHECK_KINDS: ReadonlySet<unknown> = new Set(['command', 'version', 'file', 'config']);

export function isCheckContract(value: unknown): value is CheckContract {
  return (
    isRecord(value) &&
    typeof value.name === 'string' &&
    (value.softFailures === 'fail' || value.softFailures === 'warn') &&
    Array.isArray(value.checks) &&
    value.checks.every(
      (check) =>
        isRecord(check) &&
        typeof check.id === 'string' &&
        typeof check.label === 'string' &&
        (check.severity === 'hard' || check.severity === 'soft') &&
        CHECK_KINDS.has(check.kind),
    )
  );
}
