import { authorize } from '../lifecycle/authorization.js';
import { LABELS, OURS } from '../lifecycle/labels.js';
import { containerIsOrphan } from '../lifecycle/leases.js';
import type { DockerPort } from '../ports/docker.js';
import type { StorePort } from '../ports/store.js';
import type { HereNow, Lazy } from './deps.js';

export interface CleanupItem {
  readonly id: string;
  readonly runId: string | null;
  readonly project: string | null;
  readonly createdAt: string;
  readonly action: 'removed' | 'would-remove' | 'kept';
  readonly why: string;
}

export interface CleanupDeps {
  readonly docker: Lazy<DockerPort>;
  readonly store: Lazy<StorePort>;
  readonly actor: string;
  readonly here: HereNow;
}

/**
 * Removes smoke-test containers of ours that no live run owns. Only containers carrying our
 * managed label are ever looked at; anything else on the engine is never touched.
 */
export async function cleanupContainers(input: { readonly dryRun: boolean }, deps: CleanupDeps): Promise<readonly CleanupItem[]> {
  const [docker, store] = await Promise.all([deps.docker(), deps.store()]);
  if (!input.dryRun) authorize('revalidate', deps.actor, await store.roleOf(deps.actor));
  const here = deps.here();
  const items: CleanupItem[] = [];
  for (const container of await docker.listContainers(OURS)) {
    const runId = container.labels[LABELS.runId] ?? null;
    const run = runId === null ? undefined : await store.getRun(runId);
    const orphan = containerIsOrphan(container, run, here);
    const why = orphan
      ? run === undefined
        ? 'its run is unknown to this store and its expiry has passed'
        : 'its run can no longer deliver a result'
      : run === undefined
        ? 'its run is unknown to this store (another store?) and has not expired yet'
        : `its run ${run.runId} is still live`;
    if (orphan && !input.dryRun) await docker.removeContainer(container.id);
    items.push({
      id: container.id,
      runId,
      project: container.labels[LABELS.project] ?? null,
      createdAt: container.createdAt.toISOString(),
      action: orphan ? (input.dryRun ? 'would-remove' : 'removed') : 'kept',
      why,
    });
  }
  return items;
}
