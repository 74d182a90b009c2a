import type { Check, CheckResult, Inventory, InventoryChange, InventoryEntry } from '../domain/index.js';
import { clip, oneLine } from './describe.js';

/**
 * The tools an image was found to hold: one entry per version check result, passed or not (a
 * tool missing from PATH is worth recording too). Results carry only the check id; the tool comes
 * from the contract's check of that id when `checks` is given, else it is the id (as in the
 * built-in contract, where every version check is named after its tool).
 */
export function inventoryOf(results: readonly CheckResult[], checks: readonly Check[] = []): Inventory {
  const tools = new Map(checks.flatMap((check) => (check.kind === 'version' ? [[check.id, check.tool] as const] : [])));
  return results
    .filter((result) => result.kind === 'version')
    .map((result): InventoryEntry => ({ check: result.id, tool: tools.get(result.id) ?? result.id, version: result.version ?? null, path: result.path ?? null }));
}

/**
 * What changed between two inventories, keyed by tool: `before`'s order first (changed or
 * removed), then tools only `after` has, in its order. A tool with neither version nor path is
 * not in the image: under one contract, a tool dropped from the image is `removed`, not a change
 * to "nothing". Two checks of one tool count as one entry (the first): tools are tracked, not checks.
 */
export function diffInventories(before: Inventory, after: Inventory): InventoryChange[] {
  const was = byTool(before);
  const now = byTool(after);
  const changes: InventoryChange[] = [];
  for (const [tool, from] of was) {
    const to = now.get(tool);
    if (to === undefined) changes.push({ tool, change: 'removed', from });
    else if (to.version !== from.version || to.path !== from.path) changes.push({ tool, change: 'changed', from, to });
  }
  for (const [tool, to] of now) if (!was.has(tool)) changes.push({ tool, change: 'added', to });
  return changes;
}

function byTool(inventory: Inventory): Map<string, InventoryEntry> {
  const tools = new Map<string, InventoryEntry>();
  for (const entry of inventory) if (!tools.has(entry.tool) && (entry.version !== null || entry.path !== null)) tools.set(entry.tool, entry);
  return tools;
}

/** `node v20.11.1 → v22.3.0, python removed, gh added (v2.4.0)`; '' when nothing changed. */
export function describeInventoryChanges(changes: readonly InventoryChange[]): string {
  return changes.map(describeChange).join(', ');
}

function describeChange(change: InventoryChange): string {
  const tool = clip(oneLine(change.tool), 40);
  switch (change.change) {
    case 'added':
      return `${tool} added (${found(change.to)})`;
    case 'removed':
      return `${tool} removed`;
    case 'changed':
      // A move on PATH with the same version says where; a new version is what people look for.
      return change.from.version === change.to.version
        ? `${tool} ${pathOf(change.from)} → ${pathOf(change.to)}`
        : `${tool} ${versionOf(change.from)} → ${versionOf(change.to)}`;
  }
}

function versionOf(entry: InventoryEntry): string {
  return entry.version === null ? 'no version' : clip(oneLine(entry.version), 40);
}

function pathOf(entry: InventoryEntry): string {
  return entry.path === null ? 'not on PATH' : clip(oneLine(entry.path), 80);
}

function found(entry: InventoryEntry): string {
  return entry.version === null && entry.path !== null ? `at ${pathOf(entry)}` : versionOf(entry);
}
