import { sql } from 'kysely';
import { projectOf, type Subject } from '../../domain/index.js';
import { HeldDriftStaleError, NothingToApproveError, ProjectNotFoundError } from '../../errors.js';
import type { DriftApproval } from '../../ports/store.js';
import { insertAudit } from './audit.js';
import { removeHeld } from './held-drifts.js';
import { selectSlot } from './slots.js';
import type { Timestamp, Tx } from './transaction.js';

/**
 * Pins the scope's held drift: the slot takes the held digest and what was found about it, as a
 * re-pin would have. The generation is bumped, so a validation under way since the drift was held
 * is dropped as stale rather than overwriting the approved pin with an older view.
 */
export async function approveDrift(tx: Tx, timestamp: Timestamp, scope: Subject, actor: string): Promise<DriftApproval> {
  const project = projectOf(scope);
  const before = await selectSlot(tx, scope);
  if (before === undefined && project !== null) throw new ProjectNotFoundError(project, 'list');
  const held = before?.held ?? null;
  if (before === undefined || held === null) throw new NothingToApproveError(project);
  if (held.generation !== before.generation) {
    throw new HeldDriftStaleError(project, `the ${project === null ? 'global default' : 'project'} changed since the drift was held (generation ${held.generation}, now ${before.generation})`);
  }
  if (before.status !== 'verified' || before.digest === null) {
    throw new HeldDriftStaleError(project, `its image is ${before.status ?? 'cleared'}, no longer verified`);
  }
  const pinned = {
    status: 'verified' as const,
    digest: held.digest,
    pin_kind: held.pinKind,
    error: null,
    contract_hash: held.contractHash,
    warnings: JSON.stringify(held.warnings),
    inventory: held.inventory === null ? null : JSON.stringify(held.inventory),
    // The verdict was reached when the drift was found; the approval is this change.
    validated_at: held.foundAt,
    updated_at: timestamp(),
    generation: sql<number>`generation + 1`,
  };
  if (scope.kind === 'project') {
    await tx.updateTable('projects').set(pinned).where('id', '=', scope.project).where('generation', '=', held.generation).execute();
  } else {
    await tx.updateTable('global_default').set(pinned).where('generation', '=', held.generation).execute();
  }
  await removeHeld(tx, scope);
  const after = await selectSlot(tx, scope);
  if (after === undefined) throw new Error('slot vanished inside its own transaction');
  await insertAudit(tx, timestamp, {
    actor,
    project,
    event: 'drift_approved',
    from: before.digest,
    to: held.digest,
    detail: { inventoryChanges: held.inventoryChanges, runId: held.runId, foundAt: held.foundAt, heldGeneration: held.generation, generation: after.generation },
  });
  return { before, after, held };
}
