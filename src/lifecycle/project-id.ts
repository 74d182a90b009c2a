import { UsageError } from '../errors.js';

/** Project ids are identifiers, not free text: they end up in labels, file names and log lines. */
const PROJECT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function checkProjectId(project: string): string {
  if (!PROJECT_ID.test(project)) {
    throw new UsageError(`invalid project id ${JSON.stringify(project)}`, {
      hint: 'use 1-128 characters: letters, digits, ".", "_" or "-", starting with a letter or digit',
    });
  }
  return project;
}
