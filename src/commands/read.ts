import { DEFAULT_SUBJECT, projectSubject, type EffectiveContract, type ImageSlot, type SlotSummary, type ValidationRunRecord } from '../domain/index.js';
import { ProjectNotFoundError } from '../errors.js';
import { effectiveContract } from '../lifecycle/contracts.js';
import { abandonedReason } from '../lifecycle/leases.js';
import { decideLaunchImage, type DefaultSource, type Resolution } from '../lifecycle/resolution.js';
import type { StorePort } from '../ports/store.js';
import type { HereNow, Lazy } from './deps.js';

/** What the read commands need: the store (a missing one reads as empty, never created) and the env's default. */
export interface ReadDeps {
  readonly store: Lazy<StorePort>;
  /** CASCADE_DEFAULT_WORKER_IMAGE, when set: the default handed out unvalidated when none is stored. */
  readonly envDefault: string | undefined;
}

export interface ShowResult {
  readonly slot: ImageSlot;
  readonly lastRun: ValidationRunRecord | undefined;
  readonly globalDefault: DefaultImage;
  /** Set when the slot is pending and no live run is working on it. */
  readonly abandoned: string | undefined;
  /** The contract the project's image is held to now. */
  readonly contract: EffectiveContract;
}

/** The global default as launchers see it: the stored (validated) one, else the environment's (unvalidated). */
export type DefaultImage = DefaultSource;

export async function showProject(project: string, deps: ReadDeps & { readonly here: HereNow }): Promise<ShowResult> {
  const store = await deps.store();
  const slot = await existingSlot(store, project);
  const [lastRun, globalDefault, assignments] = await Promise.all([store.lastRun(slot.subject), defaultImage(deps), store.contractAssignments()]);
  const currentRun = lastRun?.generation === slot.generation ? lastRun : undefined;
  const abandoned = slot.status === 'pending' ? abandonedReason(currentRun, deps.here()) : undefined;
  return { slot, lastRun, globalDefault, abandoned, contract: effectiveContract(slot.subject, assignments) };
}

export async function listProjects(deps: Pick<ReadDeps, 'store'>): Promise<readonly ImageSlot[]> {
  return (await deps.store()).listProjects();
}

/** `list`'s lines: each project's lifecycle, without the inventory and held drift only `show` and `--json` carry. */
export async function listSummaries(deps: Pick<ReadDeps, 'store'>): Promise<readonly SlotSummary[]> {
  return (await deps.store()).listSummaries();
}

export async function defaultImage(deps: ReadDeps): Promise<DefaultImage> {
  const slot = await (await deps.store()).getSlot(DEFAULT_SUBJECT);
  if (slot !== undefined && slot.reference !== null) return { source: 'store', slot };
  const fromEnv = deps.envDefault?.trim();
  if (fromEnv !== undefined && fromEnv !== '') return { source: 'env', reference: fromEnv };
  return { source: 'none' };
}

export interface ResolveResult extends Resolution {
  readonly project: string;
}

/** What a launcher may run for the project: only ever a verified digest, or the global default. */
export async function resolveProject(project: string, deps: ReadDeps): Promise<ResolveResult> {
  const slot = await existingSlot(await deps.store(), project);
  const fallback = slot.reference === null ? await defaultImage(deps) : ({ source: 'none' } as const);
  return { project, ...decideLaunchImage(slot, fallback) };
}

async function existingSlot(store: StorePort, project: string): Promise<ImageSlot> {
  const slot = await store.getSlot(projectSubject(project));
  if (slot === undefined) throw new ProjectNotFoundError(project, 'list');
  return slot;
}
