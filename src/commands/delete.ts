import type { ImageSlot } from '../domain/index.js';
import { permit } from '../lifecycle/authorization.js';
import type { StorePort } from '../ports/store.js';
import type { Lazy } from './deps.js';

/** Deletes a project; superadmin only, audited, refused while it has its own image unless forced. */
export async function deleteProject(
  input: { readonly project: string; readonly force: boolean },
  deps: { readonly store: Lazy<StorePort>; readonly actor: string },
): Promise<ImageSlot> {
  return (await deps.store()).deleteProject(input.project, input.force, permit('change', deps.actor));
}
