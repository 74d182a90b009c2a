import type { AppContext } from '../cli/context.js';
import { ProjectNotFoundError } from '../errors.js';
import { changeEvent, changeImage, checkReference } from '../lifecycle/change.js';
import type { LifecycleListener } from '../lifecycle/events.js';
import type { Subject } from '../lifecycle/model.js';
import { checkProjectId } from '../lifecycle/project-id.js';
import { validateSlot, type ValidationOutcome } from '../lifecycle/validator.js';
import type { SlotChangeResult } from '../ports/store.js';

export interface SetImageInput {
  readonly subject: Subject;
  /** The new reference; null reverts to the global default (clear). */
  readonly reference: string | null;
  readonly create: boolean;
  readonly validate: boolean;
  readonly allowLocal: boolean;
  readonly timeoutMs: number;
  /** Which command made the change, for the audit detail. */
  readonly via: string;
}

export interface SetImageResult {
  /** undefined only when nothing changed and there is no slot to show (clearing an unset default). */
  readonly change: SlotChangeResult | undefined;
  readonly outcome: ValidationOutcome | undefined;
  /** Nothing was written: the change asked for what was already stored. */
  readonly unchanged?: boolean;
}

/**
 * read → plan → apply: check the input (grammar first, before the store is even opened), store the
 * change as pending with its audit row, print the audit line, then validate synchronously.
 */
export async function setImage(ctx: AppContext, input: SetImageInput, listener: LifecycleListener): Promise<SetImageResult> {
  if (input.subject.kind === 'project') checkProjectId(input.subject.project);
  if (input.reference !== null) checkReference(input.reference);

  // A project cannot exist in a store that does not: refuse before creating the store file.
  if (input.subject.kind === 'project' && !input.create && !ctx.storeExists()) throw new ProjectNotFoundError(input.subject.project);
  const store = await ctx.store();
  if (input.reference === null) {
    // Clearing what is already clear changes nothing: no generation bump, no audit row.
    const before = await store.getSlot(input.subject);
    const alreadyClear = before === undefined ? input.subject.kind === 'default' : before.reference === null;
    // Only a superadmin learns that nothing needed changing; anyone else is refused as usual below.
    if (alreadyClear && (await store.roleOf(ctx.actor)) === 'superadmin') {
      return { change: before === undefined ? undefined : { before, after: before, created: false }, outcome: undefined, unchanged: true };
    }
  }
  const change = await changeImage(store, {
    subject: input.subject,
    reference: input.reference,
    actor: ctx.actor,
    create: input.create,
    allowLocal: input.allowLocal,
    via: input.via,
  });
  ctx.output.logJson({
    event: changeEvent(input.subject),
    actorId: ctx.actor,
    projectId: input.subject.kind === 'project' ? input.subject.project : null,
    from: change.before?.reference ?? null,
    to: change.after.reference,
  });
  if (change.after.reference === null) return { change, outcome: undefined };
  listener({ type: 'pending', subject: input.subject, reference: change.after.reference, generation: change.after.generation });
  if (!input.validate) return { change, outcome: undefined };

  const deps = await ctx.validatorDeps(listener);
  const outcome = await validateSlot(deps, change.after, { actor: ctx.actor, timeoutMs: input.timeoutMs, signal: ctx.signal });
  return { change, outcome };
}
