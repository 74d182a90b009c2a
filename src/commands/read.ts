import type { AppContext } from '../cli/context.js';
import { ProjectNotFoundError } from '../errors.js';
import { DEFAULT_SUBJECT, projectSubject, type ImageSlot, type ValidationRunRecord } from '../lifecycle/model.js';
import { abandonedReason } from '../lifecycle/leases.js';
import { checkProjectId } from '../lifecycle/project-id.js';
import { decideLaunchImage, type DefaultSource, type Resolution } from '../lifecycle/resolution.js';

export interface ShowResult {
  readonly slot: ImageSlot;
  readonly lastRun: ValidationRunRecord | undefined;
  readonly globalDefault: DefaultImage;
  /** Set when the slot is pending and no live run is working on it. */
  readonly abandoned: string | undefined;
}

/** The global default as launchers see it: the stored (validated) one, else the environment's (unvalidated). */
export type DefaultImage = DefaultSource;

export const DEFAULT_IMAGE_ENV = 'CASCADE_DEFAULT_WORKER_IMAGE';

export async function showProject(ctx: AppContext, project: string): Promise<ShowResult> {
  checkProjectId(project);
  const store = await ctx.readStore();
  const slot = await store.getSlot(projectSubject(project));
  if (slot === undefined) throw new ProjectNotFoundError(project, 'see the projects with: cascade-image list');
  const [lastRun, globalDefault] = await Promise.all([store.lastRun(slot.subject), defaultImage(ctx)]);
  const currentRun = lastRun?.generation === slot.generation ? lastRun : undefined;
  const abandoned = slot.status === 'pending' ? abandonedReason(currentRun, ctx.here()) : undefined;
  return { slot, lastRun, globalDefault, abandoned };
}

export async function listProjects(ctx: AppContext): Promise<readonly ImageSlot[]> {
  return (await ctx.readStore()).listProjects();
}

export async function defaultImage(ctx: AppContext): Promise<DefaultImage> {
  const slot = await (await ctx.readStore()).getSlot(DEFAULT_SUBJECT);
  if (slot !== undefined && slot.reference !== null) return { source: 'store', slot };
  const fromEnv = ctx.env[DEFAULT_IMAGE_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return { source: 'env', reference: fromEnv.trim() };
  return { source: 'none' };
}

export async function resolveProject(ctx: AppContext, project: string): Promise<Resolution & { readonly project: string }> {
  checkProjectId(project);
  const store = await ctx.readStore();
  const slot = await store.getSlot(projectSubject(project));
  if (slot === undefined) throw new ProjectNotFoundError(project, 'see the projects with: cascade-image list');
  const fallback = slot.reference === null ? await defaultImage(ctx) : ({ source: 'none' } as const);
  return { project, ...decideLaunchImage(slot, fallback) };
}
