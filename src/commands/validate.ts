import type { AppContext } from '../cli/context.js';
import { ProjectNotFoundError, UsageError } from '../errors.js';
import type { LifecycleListener } from '../lifecycle/events.js';
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

  const items: ValidateItem[] = [];
  for (const slot of slots) {
    if (ctx.signal.aborted) break;
    if (slot.reference === null) {
      items.push({ subject: slot.subject, reference: null, outcome: undefined, skipped: 'uses the global default' });
      continue;
    }
    const deps = await ctx.validatorDeps(listener);
    // Re-read: another process may have changed the slot since the list was taken.
    const current = (await store.getSlot(slot.subject)) ?? slot;
    if (current.reference === null) {
      items.push({ subject: slot.subject, reference: null, outcome: undefined, skipped: 'uses the global default' });
      continue;
    }
    const outcome = await validateSlot(deps, current, { actor: ctx.actor, timeoutMs: input.timeoutMs, signal: ctx.signal });
    items.push({ subject: slot.subject, reference: current.reference, outcome, skipped: undefined });
  }
  return items;
}

function sameSubject(a: Subject, b: Subject): boolean {
  return a.kind === b.kind && (a.kind === 'default' || (b.kind === 'project' && a.project === b.project));
}
