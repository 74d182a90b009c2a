import { DEFAULT_SUBJECT, projectSubject, type Subject } from '../domain/index.js';
import { UsageError } from '../errors.js';
import { checkProjectId } from '../lifecycle/project-id.js';

export interface ScopeFlags {
  default?: boolean;
}

/**
 * `<project>` or `--default`: exactly one, for the commands that set something per project or
 * for the default scope. `defaultMeans` finishes the message when neither is given.
 */
export function scopeOf(project: string | undefined, flags: ScopeFlags, defaultMeans: string): Subject {
  if (flags.default === true) {
    if (project !== undefined) throw new UsageError('give either a project or --default, not both');
    return DEFAULT_SUBJECT;
  }
  if (project === undefined) throw new UsageError(`name a project, or --default for ${defaultMeans}`);
  return projectSubject(checkProjectId(project));
}
