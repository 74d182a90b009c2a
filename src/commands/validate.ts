import { DEFAULT_SUBJECT, projectSubject, sameSubject, type ImageSlot, type LifecycleListener, type Subject } from '../domain/index.js';
import { ProjectNotFoundError } from '../errors.js';
import { authorize } from '../lifecycle/authorization.js';
import { needsValidation } from '../lifecycle/leases.js';
import { validateSlot, type ValidationOutcome } from '../lifecycle/validator.js';
import type { StorePort } from '../ports/store.js';
import type { HereNow, Lazy, Validation } from './deps.js';

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

export interface ValidateDeps extends Validation {
  readonly store: Lazy<StorePort>;
  readonly here: HereNow;
  readonly listener: LifecycleListener;
}

export interface ValidateItem {
  readonly subject: Subject;
  readonly reference: string | null;
  readonly outcome: ValidationOutcome | undefined;
  /** Why nothing ran (no own image). */
  readonly skipped: string | undefined;
}

/**
 * Validates each selected project's current reference again, at most `concurrency` at once; an
 * interrupt lets running validations finish as `failed: interrupted` and starts no new ones.
 */
export async function validateProjects(input: ValidateInput, deps: ValidateDeps): Promise<readonly ValidateItem[]> {
  const store = await deps.store();
  // Re-validation writes lifecycle state: it takes an operator (any role). Refused before any work.
  authorize('revalidate', deps.actor, await store.roleOf(deps.actor));
  const slots = await selectSlots(store, input, deps.here);
  // Set up before any run starts: an engine that cannot even be configured touches no slot.
  if (slots.length > 0) await deps.engine();

  const items: ValidateItem[] = new Array(slots.length);
  let next = 0;
  const worker = async () => {
    while (next < slots.length && !deps.signal.aborted) {
      const index = next;
      next += 1;
      const slot = slots[index];
      if (slot === undefined) continue;
      items[index] = await validateOne(store, slot, input, deps);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(input.concurrency, slots.length)) }, worker));
  return items.filter((item) => item !== undefined);
}

/** Every slot to validate, read before any validation starts: an unknown name is refused first. */
async function selectSlots(store: StorePort, input: ValidateInput, here: HereNow): Promise<ImageSlot[]> {
  const slots: ImageSlot[] = [];
  const add = (slot: ImageSlot) => {
    if (!slots.some((known) => sameSubject(known.subject, slot.subject))) slots.push(slot);
  };
  if (input.all) slots.push(...(await store.listProjects()));
  if (input.stale || input.all) {
    const now = here();
    for (const { slot, run } of await store.pendingSlots()) if (needsValidation(run, now)) add(slot);
  }
  for (const project of input.projects) {
    const slot = await store.getSlot(projectSubject(project));
    if (slot === undefined) throw new ProjectNotFoundError(project, 'list');
    add(slot);
  }
  if (input.includeDefault) {
    const slot = await store.getSlot(DEFAULT_SUBJECT);
    if (slot !== undefined) add(slot);
  }
  return slots;
}

async function validateOne(store: StorePort, slot: ImageSlot, input: ValidateInput, deps: ValidateDeps): Promise<ValidateItem> {
  // Re-read: another process may have changed the slot since the list was taken.
  const current = (await store.getSlot(slot.subject)) ?? slot;
  if (current.reference === null) {
    return { subject: slot.subject, reference: null, outcome: undefined, skipped: 'uses the global default' };
  }
  // A slot taken up as stale is asked again: a run another process (on any host) began since the
  // list was read is live, and a second run of the same generation would only duplicate it.
  if (input.stale && !input.all && !named(input, slot.subject) && current.status === 'pending') {
    const run = await store.lastRun(current.subject);
    if (run !== undefined && run.generation === current.generation && !needsValidation(run, deps.here())) {
      return { subject: slot.subject, reference: current.reference, outcome: undefined, skipped: `run ${run.runId} (pid ${run.ownerPid} on ${run.ownerHost}) is validating it` };
    }
  }
  const engine = await deps.engine();
  const outcome = await validateSlot({ ...engine, store, listener: deps.listener }, current, {
    actor: deps.actor,
    timeoutMs: input.timeoutMs,
    signal: deps.signal,
    fresh: input.fresh,
  });
  return { subject: slot.subject, reference: current.reference, outcome, skipped: undefined };
}

const named = (input: ValidateInput, subject: Subject): boolean =>
  subject.kind === 'project' ? input.projects.includes(subject.project) : input.includeDefault;

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
