import { projectOf, type HeldDrift, type ImageSlot, type ValidationVerdict } from '../../domain/index.js';
import type { RunFinish, RunStart } from '../../ports/store.js';
import { insertAudit } from './audit.js';
import { removeHeld, storeHeld } from './held-drifts.js';
import { selectSlot } from './slots.js';
import type { Timestamp, Tx } from './transaction.js';

/** Records a run as started: its row is the lease other processes see until `lease_expires_at`. */
export async function beginRun(tx: Tx, run: RunStart, started: Date): Promise<void> {
  await tx
    .insertInto('validation_runs')
    .values({
      run_id: run.runId,
      project_id: projectOf(run.subject),
      generation: run.generation,
      reference: run.reference,
      owner_pid: run.owner.pid,
      owner_host: run.owner.host,
      started_at: started.toISOString(),
      lease_expires_at: new Date(started.getTime() + run.leaseMs).toISOString(),
      finished_at: null,
      outcome: null,
      digest: null,
      error: null,
      checks: null,
      duration_ms: null,
      inventory: null,
    })
    .execute();
}

/** Closes the run's row, and stores its verdict on the slot only while the slot still has the run's generation. */
export async function finishRun(tx: Tx, timestamp: Timestamp, finish: RunFinish): Promise<'stored' | 'stale'> {
  if (finish.held !== undefined) checkHeld(finish, finish.held);
  // Finishing is idempotent: a retry after a commit whose answer was lost finds the run closed.
  const closed = await tx.selectFrom('validation_runs').select(['finished_at', 'outcome']).where('run_id', '=', finish.runId).executeTakeFirst();
  if (closed !== undefined && closed.finished_at !== null) return closed.outcome === 'stale' ? 'stale' : 'stored';
  const slot = await selectSlot(tx, finish.subject);
  const current = slot !== undefined && slot.generation === finish.generation;
  const { verdict } = finish;
  // What the run found can differ from what the slot keeps (a drifted tag that failed, or is held, keeps the old pin).
  const found = finish.finding ?? (finish.held === undefined ? verdict : heldVerdict(finish.held));
  const now = timestamp();
  await tx
    .updateTable('validation_runs')
    .set({
      finished_at: now,
      outcome: current ? found.status : 'stale',
      // For a failed run, the image it tested (when it got that far): what failed, precisely.
      digest: found.status === 'verified' ? found.digest : (finish.testedPin ?? null),
      error: found.status === 'failed' ? found.reason : null,
      checks: finish.checks === undefined ? null : JSON.stringify(finish.checks),
      duration_ms: finish.durationMs,
      inventory: finish.inventory === undefined ? null : JSON.stringify(finish.inventory),
    })
    .where('run_id', '=', finish.runId)
    .execute();
  const held = current ? await settleHeld(tx, slot, finish) : { stored: undefined, dropped: undefined, again: false };
  if (current) {
    const result = {
      status: verdict.status,
      digest: verdict.status === 'verified' ? verdict.digest : null,
      pin_kind: verdict.status === 'verified' ? verdict.pinKind : null,
      error: verdict.status === 'failed' ? verdict.reason : null,
      validated_at: now,
      contract_hash: finish.contractHash,
      ...pinFindings(finish),
    };
    // The generation guard lives in the WHERE clause too: it is the invariant, not just the check above.
    if (finish.subject.kind === 'project') {
      await tx
        .updateTable('projects')
        .set(result)
        .where('id', '=', finish.subject.project)
        .where('generation', '=', finish.generation)
        .execute();
    } else {
      await tx.updateTable('global_default').set(result).where('generation', '=', finish.generation).execute();
    }
  }
  // A re-validation that found nothing new (unchanged, or the drift already held) is kept in
  // validation_runs only: cron must not flood the audit log. Dropping a held drift is news.
  const news = finish.outcome !== 'unchanged' && !held.again;
  if (!current || news || held.dropped !== undefined) {
    await insertAudit(tx, timestamp, {
      actor: finish.actor,
      project: projectOf(finish.subject),
      // The event says what the run found; `to` what the slot now holds (a kept pin after a failed drift).
      event: current ? `validation_${found.status}` : 'validation_stale',
      from: finish.reference,
      to: verdict.status === 'verified' ? verdict.digest : null,
      detail: {
        // The lifecycle's detail first: the store's own fields below cannot be overwritten by it.
        ...finish.auditDetail,
        runId: finish.runId,
        generation: finish.generation,
        outcome: current ? finish.outcome : 'stale',
        ...(found.status === 'failed' ? { reason: found.reason, cause: found.cause } : {}),
        ...(found !== verdict && verdict.status === 'verified' ? { keptPin: verdict.digest } : {}),
        ...(finish.testedPin === undefined ? {} : { tested: finish.testedPin }),
        ...(held.dropped === undefined ? {} : { droppedHeld: held.dropped.digest }),
        ...(current ? {} : { currentGeneration: slot?.generation ?? null, found: found.status }),
        durationMs: finish.durationMs,
      },
    });
  }
  if (held.stored !== undefined && verdict.status === 'verified') {
    await insertAudit(tx, timestamp, {
      actor: finish.actor,
      project: projectOf(finish.subject),
      event: 'drift_held',
      from: verdict.digest,
      to: held.stored.digest,
      detail: { inventoryChanges: held.stored.inventoryChanges, runId: finish.runId, generation: finish.generation },
    });
  }
  return current ? 'stored' : 'stale';
}

/** A held drift is what a run found under a hold policy beside the pin the slot keeps: anything else is a caller bug. */
function checkHeld(finish: RunFinish, held: HeldDrift): void {
  if (finish.outcome !== 'drift-held' || finish.verdict.status !== 'verified' || held.generation !== finish.generation) {
    throw new Error(`a held drift goes with a drift-held outcome keeping a verified pin, for the run's generation (got ${finish.outcome}, generation ${held.generation})`);
  }
}

function heldVerdict(held: HeldDrift): ValidationVerdict {
  return { status: 'verified', digest: held.digest, pinKind: held.pinKind, warnings: held.warnings };
}

/**
 * The scope's held drift after a current run: a new one is stored (replacing an older one), the
 * same one found again is left as first found; a run that re-pins the slot (verified, no finding)
 * or fails it voids it; a run that keeps the pin for another reason leaves it waiting.
 */
async function settleHeld(tx: Tx, slot: ImageSlot, finish: RunFinish): Promise<{ stored: HeldDrift | undefined; dropped: HeldDrift | undefined; again: boolean }> {
  const previous = slot.held ?? undefined;
  if (finish.held !== undefined) {
    if (previous !== undefined && sameFinding(previous, finish.held)) return { stored: undefined, dropped: undefined, again: true };
    await storeHeld(tx, finish.subject, finish.reference, finish.held);
    return { stored: finish.held, dropped: undefined, again: false };
  }
  const voids = finish.verdict.status === 'failed' || finish.finding === undefined;
  if (!voids || previous === undefined) return { stored: undefined, dropped: undefined, again: false };
  await removeHeld(tx, finish.subject);
  return { stored: undefined, dropped: previous, again: false };
}

const sameFinding = (a: HeldDrift, b: HeldDrift): boolean => a.digest === b.digest && a.contractHash === b.contractHash && a.generation === b.generation;

/**
 * A slot's warnings and inventory describe its pin: they follow the pin the verdict stores. A
 * verified verdict without a `finding` (or a held drift) is the run's own pin; with one, the slot
 * keeps its previous pin, and what was recorded about it (nothing to set); a failed verdict has no pin.
 */
function pinFindings(finish: RunFinish): { warnings?: string; inventory?: string | null } {
  const { verdict } = finish;
  if (verdict.status === 'failed') return { warnings: '[]', inventory: null };
  if (finish.finding !== undefined || finish.held !== undefined) return {};
  return { warnings: JSON.stringify(verdict.warnings), inventory: finish.inventory === undefined ? null : JSON.stringify(finish.inventory) };
}
