import {
  ForbiddenError,
  HeldDriftStaleError,
  LastSuperadminError,
  NothingToApproveError,
  NotAnOperatorError,
  NotLaunchableError,
  ProjectExistsError,
  ProjectHasImageError,
  ProjectNotFoundError,
  type CascadeError,
} from '../errors.js';

const PROGRAM = 'cascade-image';

/**
 * What the user can do about an error, in this CLI's own commands. The layers below say what
 * went wrong (typed fields, no command names); only the CLI knows how its commands are spelled.
 */
export function hintFor(error: CascadeError): string | undefined {
  if (error instanceof ProjectNotFoundError) {
    return error.next === 'create' ? `create it with: ${PROGRAM} set ${error.project} <ref> --create` : `see the projects with: ${PROGRAM} list`;
  }
  if (error instanceof ForbiddenError) {
    return `ask a superadmin to run: ${PROGRAM} operators grant ${error.actor} --role ${error.required === 'superadmin' ? 'superadmin' : 'viewer'}`;
  }
  if (error instanceof ProjectExistsError) return `change its image with: ${PROGRAM} update ${error.project} --worker-image <ref>`;
  if (error instanceof ProjectHasImageError) return `clear it first (${PROGRAM} clear ${error.project}) or delete anyway with --force`;
  if (error instanceof NotAnOperatorError) return `see who is: ${PROGRAM} operators list`;
  if (error instanceof LastSuperadminError) return `grant another superadmin first: ${PROGRAM} operators grant <actor> --role superadmin`;
  if (error instanceof NotLaunchableError) return notLaunchableHint(error);
  if (error instanceof NothingToApproveError) return `a drift is held only under a hold policy (${PROGRAM} trust set <project> --drift hold); see ${PROGRAM} trust show ${error.project ?? '--default'}`;
  if (error instanceof HeldDriftStaleError) return `validate it again (${PROGRAM} validate ${error.project ?? '--default'}): a drift found now is held anew`;
  return error.hint;
}

function notLaunchableHint(error: NotLaunchableError): string {
  const project = error.project;
  switch (error.situation) {
    case 'no-image':
      return `set one: ${PROGRAM} set <project> <ref>, or ${PROGRAM} defaults set <ref>, or CASCADE_DEFAULT_WORKER_IMAGE`;
    case 'failed':
      return project === null
        ? `set a working default: ${PROGRAM} defaults set <ref>`
        : `set a working image (${PROGRAM} set ${project} <ref>) or clear it to use the global default`;
    case 'pending':
      return `wait for the running validation, or run it: ${PROGRAM} validate ${project ?? '--default'}`;
  }
}
