import { permit } from '../lifecycle/authorization.js';
import { planCopy, refuseCopyOntoItself, type AddedSuperadmin, type CopyPlan } from '../lifecycle/store-copy.js';
import { COPIED_TABLES, type CopiedTable, type CopySource, type CopyTarget } from '../ports/store-copy.js';
import type { Lazy } from './deps.js';

export interface StoreCopyDeps {
  /** The --db store. */
  readonly source: Lazy<CopySource>;
  /** Opened only once the source's lock is held and the actor was found a superadmin there. */
  readonly target: Lazy<CopyTarget>;
  /** Who copies: a superadmin of the source. */
  readonly actor: string;
  readonly now: () => Date;
}

export interface CopiedTableCount {
  readonly table: CopiedTable;
  readonly source: number;
  /** Read back from the target inside the copy's transaction: the source's rows plus `added`. */
  readonly target: number;
  /** Rows the copy added to the target: its superadmin's grant, its audit rows. */
  readonly added: number;
}

export interface StoreCopyResult {
  readonly source: string;
  readonly target: string;
  /** The target did not exist: the copy created it. */
  readonly created: boolean;
  readonly schemaVersion: string;
  readonly actor: string;
  /** Who wrote the target (on a server, the role it authenticated). */
  readonly targetActor: string;
  readonly addedSuperadmin: AddedSuperadmin | null;
  readonly tables: readonly CopiedTableCount[];
}

/**
 * Copies the whole store into an empty or new one. Read: the source under its write lock (a
 * superadmin's; one snapshot). Plan: refusals and what the copy adds (src/lifecycle/store-copy.ts).
 * Apply: one transaction in the target, counted back before it commits; then the source records
 * the copy, and releases its lock.
 */
export async function copyStore(deps: StoreCopyDeps): Promise<StoreCopyResult> {
  const source = await deps.source();
  try {
    return await source.copyFrom(permit('change', deps.actor), async (snapshot) => {
      const target = await deps.target();
      try {
        refuseCopyOntoItself(source, target);
        const at = deps.now().toISOString();
        let plan: CopyPlan | undefined;
        const filled = await target.fill((found) => {
          plan = planCopy({ source: { shown: source.shown, snapshot }, target: { shown: target.shown, found }, actor: deps.actor, at });
          return plan.rows;
        });
        if (plan === undefined) throw new Error('the target committed a copy it never planned');
        const done = plan;
        const value: StoreCopyResult = {
          source: source.shown,
          target: target.shown,
          created: filled.created,
          schemaVersion: snapshot.schemaVersion,
          actor: deps.actor,
          targetActor: done.targetActor,
          addedSuperadmin: done.addedSuperadmin,
          tables: COPIED_TABLES.map((table) => ({ table, source: done.copied[table], target: filled.counts[table], added: done.added[table] })),
        };
        return { value, audit: done.sourceAudit };
      } finally {
        await target.close();
      }
    });
  } finally {
    await source.close();
  }
}
