import { sql } from 'kysely';
import { ProjectHasImageError, ProjectNotFoundError } from '../../errors.js';
import { projectOf, type ImageSlot, type Subject } from '../../domain/index.js';
import type { SlotChange, SlotChangeResult } from '../../ports/store.js';
import { toSlot } from '../rows.js';
import { insertAudit } from './audit.js';
import { removeHeld, selectHeld } from './held-drifts.js';
import type { Timestamp, Tx } from './transaction.js';

export async function selectSlot(tx: Tx, subject: Subject): Promise<ImageSlot | undefined> {
  const row =
    subject.kind === 'project'
      ? await tx.selectFrom('projects').selectAll().where('id', '=', subject.project).executeTakeFirst()
      : await tx.selectFrom('global_default').selectAll().executeTakeFirst();
  return row === undefined ? undefined : toSlot(subject, row, await selectHeld(tx, subject));
}

/**
 * Stores the new reference as `pending` (or clears it) and forgets the old verdict: a changed
 * reference has not been validated yet. The generation bump is what makes older runs stale.
 */
export async function changeSlot(tx: Tx, timestamp: Timestamp, change: SlotChange): Promise<SlotChangeResult> {
  const before = await selectSlot(tx, change.subject);
  if (change.subject.kind === 'project' && before === undefined && !change.create) {
    throw new ProjectNotFoundError(change.subject.project);
  }
  const now = timestamp();
  const lifecycle = {
    worker_image: change.reference,
    status: change.reference === null ? null : ('pending' as const),
    digest: null,
    pin_kind: null,
    error: null,
    allow_local: change.allowLocal ? 1 : 0,
    updated_at: now,
    validated_at: null,
    contract_hash: null,
    // What was known about the old pin goes with it.
    warnings: '[]',
    inventory: null,
  };
  if (before === undefined) {
    const fresh = { ...lifecycle, generation: 1, created_at: now };
    if (change.subject.kind === 'project') {
      await tx.insertInto('projects').values({ id: change.subject.project, ...fresh }).execute();
    } else {
      await tx.insertInto('global_default').values({ slot: 'default', ...fresh }).execute();
    }
  } else {
    const bumped = { ...lifecycle, generation: sql<number>`generation + 1` };
    if (change.subject.kind === 'project') {
      await tx.updateTable('projects').set(bumped).where('id', '=', change.subject.project).execute();
    } else {
      await tx.updateTable('global_default').set(bumped).execute();
    }
  }
  // A drift held for the old reference or generation is void: nothing left to approve.
  await removeHeld(tx, change.subject);
  const after = await selectSlot(tx, change.subject);
  if (after === undefined) throw new Error('slot vanished inside its own transaction');
  await insertAudit(tx, timestamp, {
    actor: change.actor,
    project: projectOf(change.subject),
    event: change.event,
    from: before?.reference ?? null,
    to: change.reference,
    detail: {
      generation: after.generation,
      ...(before === undefined ? { created: true } : {}),
      ...(before === undefined || before.held === null ? {} : { droppedHeld: before.held.digest }),
      ...change.detail,
    },
  });
  return { before, after, created: before === undefined };
}

/** Deletes a project; one that still has an image is kept unless forced, so nothing is lost by accident. */
export async function deleteProject(tx: Tx, timestamp: Timestamp, project: string, actor: string, force: boolean): Promise<ImageSlot> {
  const before = await selectSlot(tx, { kind: 'project', project });
  if (before === undefined) throw new ProjectNotFoundError(project, 'list');
  if (before.reference !== null && !force) throw new ProjectHasImageError(project, before.reference);
  await tx.deleteFrom('projects').where('id', '=', project).execute();
  await insertAudit(tx, timestamp, {
    actor,
    project,
    event: 'project_deleted',
    from: before.reference,
    to: null,
    detail: { generation: before.generation, force },
  });
  return before;
}
