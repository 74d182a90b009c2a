import type { LifecycleListener, Subject } from '../domain/index.js';
import { ProjectNotFoundError } from '../errors.js';
import { allows } from '../lifecycle/authorization.js';
import { changeEvent, changeImage } from '../lifecycle/change.js';
import { validateSlot, type ValidationOutcome } from '../lifecycle/validator.js';
import type { SlotChangeResult } from '../ports/store.js';
import type { Validation, WritableStore } from './deps.js';

export interface SetImageInput {
  readonly subject: Subject;
  /** The new reference, grammar-checked by the caller; null reverts to the global default (clear). */
  readonly reference: string | null;
  readonly create: boolean;
  readonly validate: boolean;
  readonly allowLocal: boolean;
  readonly timeoutMs: number;
  /** Which command made the change, for the audit detail. */
  readonly via: string;
}

export interface SetImageDeps extends WritableStore, Validation {
  /** Hears the change (`changed`), then the lifecycle as it runs (`pending` … `finished`). */
  readonly listener: LifecycleListener;
}

export interface SetImageResult {
  /** undefined only when nothing changed and there is no slot to show (clearing an unset default). */
  readonly change: SlotChangeResult | undefined;
  readonly outcome: ValidationOutcome | undefined;
  /** Nothing was written: the change asked for what was already stored. */
  readonly unchanged: boolean;
}

/**
 * read → plan → apply: store the change as pending with its audit row (the authorization rule
 * inside the same transaction), then validate synchronously. `set`, `clear`, `update`, `create`
 * and `defaults set|clear` are all this one command.
 */
export async function setImage(input: SetImageInput, deps: SetImageDeps): Promise<SetImageResult> {
  // A project cannot exist in a store that does not: refuse before creating the store file.
  if (input.subject.kind === 'project' && !input.create && !deps.storeExists()) throw new ProjectNotFoundError(input.subject.project);
  // The engine side is set up before anything is stored: a DOCKER_HOST, context or TLS folder
  // that cannot be used refuses the change (exit 2 / 69, nothing persisted) instead of
  // leaving it pending with no validation to come.
  const engine = input.validate && input.reference !== null ? await deps.engine() : undefined;
  const store = await deps.store();
  if (input.reference === null) {
    // Clearing what is already clear changes nothing: no generation bump, no audit row.
    const before = await store.getSlot(input.subject);
    const alreadyClear = before === undefined ? input.subject.kind === 'default' : before.reference === null;
    // Only a superadmin learns that nothing needed changing; anyone else is refused as usual below.
    if (alreadyClear && allows('change', await store.roleOf(deps.actor))) {
      return { change: before === undefined ? undefined : { before, after: before, created: false }, outcome: undefined, unchanged: true };
    }
  }
  const change = await changeImage(store, {
    subject: input.subject,
    reference: input.reference,
    actor: deps.actor,
    create: input.create,
    allowLocal: input.allowLocal,
    via: input.via,
  });
  deps.listener({
    type: 'changed',
    subject: input.subject,
    event: changeEvent(input.subject),
    actor: deps.actor,
    from: change.before?.reference ?? null,
    to: change.after.reference,
  });
  if (change.after.reference === null) return { change, outcome: undefined, unchanged: false };
  deps.listener({ type: 'pending', subject: input.subject, reference: change.after.reference, generation: change.after.generation });
  if (engine === undefined) return { change, outcome: undefined, unchanged: false };

  const outcome = await validateSlot({ ...engine, store, listener: deps.listener }, change.after, {
    actor: deps.actor,
    timeoutMs: input.timeoutMs,
    signal: deps.signal,
  });
  return { change, outcome, unchanged: false };
}
