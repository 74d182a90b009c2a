import { projectSubject } from '../domain/index.js';
import { ProjectExistsError } from '../errors.js';
import { setImage, type SetImageDeps, type SetImageInput, type SetImageResult } from './set.js';

export type CreateProjectInput = Omit<SetImageInput, 'subject' | 'create'> & { readonly project: string };

/** `create`: a new project, with its own image (validated like `set`) or on the global default. */
export async function createProject(input: CreateProjectInput, deps: SetImageDeps): Promise<SetImageResult> {
  const subject = projectSubject(input.project);
  if (deps.storeExists() && (await (await deps.store()).getSlot(subject)) !== undefined) throw new ProjectExistsError(input.project);
  const { project: _project, ...rest } = input;
  return setImage({ ...rest, subject, create: true }, deps);
}
