import type { HeldDrift, Inventory, InventoryChange } from '../../src/domain/index.js';
import type { Permit, RunFinish, StorePort } from '../../src/ports/store.js';
import { ADMIN } from './store.js';

export const REF = 'registry.test/acme/worker:1';
export const pin = (c: string): string => `registry.test/acme/worker@sha256:${c.repeat(64)}`;
export const allow: Permit = { actor: ADMIN, check: () => undefined };

export const NODE_20: Inventory = [{ check: 'node', tool: 'node', version: 'v20.11.1', path: '/usr/local/bin/node' }];
export const NODE_22: Inventory = [{ check: 'node', tool: 'node', version: 'v22.3.0', path: '/usr/local/bin/node' }];
export const NODE_CHANGED: readonly InventoryChange[] = [{ tool: 'node', change: 'changed', from: NODE_20[0]!, to: NODE_22[0]! }];

let runs = 0;
const nextRunId = (): string => `run-${(runs += 1)}`;

/**
 * Begins and finishes a run on the slot's current generation (or the one given), as the lifecycle
 * does. `hold` makes it a drift that passed under a hold policy: the slot keeps its pin `kept`.
 */
export async function finishOn(
  store: StorePort,
  fields: Partial<RunFinish> & Pick<RunFinish, 'verdict' | 'outcome'>,
  subject: RunFinish['subject'],
): Promise<{ stored: 'stored' | 'stale'; runId: string }> {
  const slot = await store.getSlot(subject);
  const runId = fields.runId ?? nextRunId();
  const generation = fields.generation ?? slot?.generation ?? 1;
  await store.beginRun({ runId, subject, generation, reference: REF, owner: { pid: 1, host: 'h' }, leaseMs: 1000 }, allow);
  const stored = await store.finishRun({ runId, subject, generation, reference: REF, actor: ADMIN, contractHash: 'h', durationMs: 5, checks: undefined, ...fields });
  return { stored, runId };
}

/** Finishes a run that found `digest` passing under a hold policy, beside the kept pin `kept`. */
export async function holdOn(
  store: StorePort,
  subject: RunFinish['subject'],
  kept: string,
  digest: string,
  extra: { generation?: number; contractHash?: string } = {},
): Promise<{ stored: 'stored' | 'stale'; held: HeldDrift }> {
  const generation = extra.generation ?? (await store.getSlot(subject))?.generation ?? 1;
  const held: HeldDrift = {
    digest,
    pinKind: 'registry',
    generation,
    contractHash: extra.contractHash ?? 'h',
    warnings: ['soft check failed: python --version'],
    inventory: NODE_22,
    inventoryChanges: NODE_CHANGED,
    runId: nextRunId(),
    foundAt: '2026-12-01T00:00:00.000Z',
  };
  const { stored } = await finishOn(
    store,
    { runId: held.runId, verdict: { status: 'verified', digest: kept, pinKind: 'registry', warnings: [] }, outcome: 'drift-held', inventory: NODE_22, held, generation, testedPin: digest },
    subject,
  );
  return { stored, held };
}
