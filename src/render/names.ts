import { describeInventoryChanges } from '../checks/inventory.js';
import { subjectName, type ContractSource, type HeldDrift, type InventoryChange, type Subject } from '../domain/index.js';

/** How the per-scope settings (contracts, policies) name their scope: the project, or the default scope. */
export function scopeName(scope: Subject): string {
  return scope.kind === 'default' ? '(default scope)' : subjectName(scope);
}

/** Where a contract comes from, in words. */
export const CONTRACT_SOURCES: Readonly<Record<ContractSource, string>> = { builtin: 'built-in', default: "the default scope's", project: 'its own' };

/** `; node v20.11.1 → v22.3.0, python removed`, to follow a drift; `whenSame` when nothing changed. */
export function changesSuffix(changes: readonly InventoryChange[], whenSame = ''): string {
  return changes.length === 0 ? whenSame : `; ${describeInventoryChanges(changes)}`;
}

/** A drift a hold policy keeps: what was found, when, and what it changes. */
export function heldText(held: HeldDrift): string {
  return `${held.digest} (found ${held.foundAt}${changesSuffix(held.inventoryChanges)}): awaiting approval`;
}
