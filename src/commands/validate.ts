import type { AppContext } from '../cli/context.js';
import { ForbiddenError, ProjectNotFoundError, UsageError } from '../errors.js';
import type { LifecycleListener } from '../lifecycle/events.js';
import type { StorePort } from '../ports/store.js';
import { DEFAULT_SUBJECT, projectSubject, type ImageSlot, type Subject } from '../lifecycle/model.js';
import { needsValidation } from '../lifecycle/leases.js';
import { checkProjectId } from '../lifecycle/project-id.js';
import { validateSlot, type ValidationOutcome } from '../lifecycle/validator.js';

export interface ValidateInput {
  readonly projects: readonly string[];
  readonly all: boolean;
  readonly includeDefault: boolean;
  /** Pending slots no live run is working on (crashed or never validated). */
  readonly stale: boolean;
  readonly timeoutMs: number;
  /** How many projects are validated at once (distinct references are evaluated once regardless). */
  readonly concurrency: number;
  readonly fresh: boolean;
}

export interface ValidateItem {
  readonly subject: Subject;
  readonly reference: string | null;
  readonly outcome: ValidationOutcome | undefined;
  /** Why nothing ran (no own image). */
  readonly skipped: string | undefined;
}

/** Validates each named project's current reference again (all of them with --all), one after another. */
export async function validateProjects(ctx: AppContext, input: ValidateInput, listener: LifecycleListener): Promise<readonly ValidateItem[]> {
  if (!input.all && !input.stale && input.projects.length === 0 && !input.includeDefault) {
    throw new UsageError('name at least one project to validate', { hint: 'or validate every project: cascade-image validate --all' });
  }
  for (const project of input.projects) checkProjectId(project);
  const store = await ctx.store();
  // Re-validation writes lifecycle state: it takes an operator (any role), not just anyone.
  if ((await store.roleOf(ctx.actor)) === undefined) throw new ForbiddenError(ctx.actor, 'operator');
  // Read every slot first: an unknown name is refused before any validation starts.
  const slots: ImageSlot[] = [];
  if (input.all) slots.push(...(await store.listProjects()));
  if (input.stale || input.all) {
    const here = ctx.here();
    for (const { slot, run } of await store.pendingSlots()) {
      if (!needsValidation(run, here)) continue;
      if (!slots.some((known) => sameSubject(known.subject, slot.subject))) slots.push(slot);
    }
  }
  for (const project of input.projects) {
    const slot = await store.getSlot(projectSubject(project));
    if (slot === undefined) throw new ProjectNotFoundError(project, 'see the projects with: cascade-image list');
    if (!slots.some((known) => sameSubject(known.subject, slot.subject))) slots.push(slot);
  }
  if (input.includeDefault) {
    const slot = await store.getSlot(DEFAULT_SUBJECT);
    if (slot !== undefined && !slots.some((known) => sameSubject(known.subject, slot.subject))) slots.push(slot);
  }

  const items: ValidateItem[] = new Array(slots.length);
  let next = 0;
  const worker = async () => {
    while (next < slots.length && !ctx.signal.aborted) {
      const index = next;
      next += 1;
      const slot = slots[index];
      if (slot === undefined) continue;
      items[index] = await validateOne(ctx, store, slot, input, listener);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(input.concurrency, slots.length)) }, worker));
  return items.filter((item) => item !== undefined);
}

async function validateOne(
  ctx: AppContext,
  store: StorePort,
  slot: ImageSlot,
  input: ValidateInput,
  listener: LifecycleListener,
): Promise<ValidateItem> {
  // Re-read: another process may have changed the slot since the list was taken.
  const current = (await store.getSlot(slot.subject)) ?? slot;
  if (current.reference === null) {
    return { subject: slot.subject, reference: null, outcome: undefined, skipped: 'uses the global default' };
  }
  const deps = await ctx.validatorDeps(listener);
  const outcome = await validateSlot(deps, current, { actor: ctx.actor, timeoutMs: input.timeoutMs, signal: ctx.signal, fresh: input.fresh });
  return { subject: slot.subject, reference: current.reference, outcome, skipped: undefined };
}

export interface ValidateSummary {
  readonly projects: number;
  readonly distinctReferences: number;
  readonly containersRun: number;
  readonly cached: number;
  readonly byOutcome: Readonly<Record<string, number>>;
  /** Failures that are the same as last time (counted in byOutcome too). */
  readonly repeatedFailures: number;
  readonly changed: boolean;
}

export function summarize(items: readonly ValidateItem[]): ValidateSummary {
  const byOutcome: Record<string, number> = {};
  const references = new Set<string>();
  let cached = 0;
  for (const item of items) {
    const key = item.outcome === undefined ? 'skipped' : item.outcome.stored === 'stale' ? 'stale' : item.outcome.outcome;
    byOutcome[key] = (byOutcome[key] ?? 0) + 1;
    if (item.reference !== null) references.add(item.reference);
    if (item.outcome?.cached === true) cached += 1;
  }
  const quiet = items.filter((item) => item.outcome?.repeated === true && item.outcome.stored === 'stored').length;
  const unchanged = (byOutcome.unchanged ?? 0) + (byOutcome.skipped ?? 0) + quiet;
  return {
    projects: items.length,
    distinctReferences: references.size,
    containersRun: items.filter((item) => item.outcome?.ranContainer === true).length,
    cached,
    byOutcome,
    repeatedFailures: quiet,
    changed: unchanged < items.length,
  };
}

function sameSubject(a: Subject, b: Subject): boolean {
  return a.kind === b.kind && (a.kind === 'default' || (b.kind === 'project' && a.project === b.project));
}
