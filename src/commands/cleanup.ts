import type { AppContext } from '../cli/context.js';
import { ForbiddenError } from '../errors.js';
import { containerIsOrphan } from '../lifecycle/leases.js';
import { LABELS } from '../lifecycle/validator.js';

export interface CleanupItem {
  readonly id: string;
  readonly runId: string | null;
  readonly project: string | null;
  readonly createdAt: string;
  readonly action: 'removed' | 'would-remove' | 'kept';
  readonly why: string;
}

/**
 * Removes smoke-test containers of ours that no live run owns. Only containers carrying our
 * managed label are ever looked at; anything else on the engine is never touched.
 */
export async function cleanupContainers(ctx: AppContext, dryRun: boolean): Promise<readonly CleanupItem[]> {
  const [docker, store] = await Promise.all([ctx.docker(), ctx.readStore()]);
  if (!dryRun && (await store.roleOf(ctx.actor)) === undefined) throw new ForbiddenError(ctx.actor, 'operator');
  const here = ctx.here();
  const items: CleanupItem[] = [];
  for (const container of await docker.listContainers({ [LABELS.managed]: 'true' })) {
    const runId = container.labels[LABELS.runId] ?? null;
    const run = runId === null ? undefined : await store.getRun(runId);
    const orphan = containerIsOrphan(container, run, here, LABELS.expiresAt);
    const why = orphan
      ? run === undefined
        ? 'its run is unknown to this store and its expiry has passed'
        : 'its run can no longer deliver a result'
      : run === undefined
        ? 'its run is unknown to this store (another store?) and has not expired yet'
        : `its run ${run.runId} is still live`;
    if (orphan && !dryRun) await docker.removeContainer(container.id);
    items.push({
      id: container.id,
      runId,
      project: container.labels[LABELS.project] ?? null,
      createdAt: container.createdAt.toISOString(),
      action: orphan ? (dryRun ? 'would-remove' : 'removed') : 'kept',
      why,
    });
  }
  return items;
}
