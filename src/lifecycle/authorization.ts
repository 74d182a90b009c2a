import type { OperatorRole } from '../domain/index.js';
import { ForbiddenError } from '../errors.js';
import type { Permit } from '../ports/store.js';

/**
 * The one authorization rule. A superadmin changes images, contracts and operators; any operator
 * (a cron `viewer` account too) re-validates and cleans up, since both write lifecycle state;
 * anyone who can read the store reads it.
 */
export type Action = 'change' | 'revalidate' | 'read';

export function allows(action: Action, role: OperatorRole | undefined): boolean {
  switch (action) {
    case 'change':
      return role === 'superadmin';
    case 'revalidate':
      return role !== undefined;
    case 'read':
      return true;
  }
}

/** Throws ForbiddenError unless the actor's role allows the action. */
export function authorize(action: Action, actor: string, role: OperatorRole | undefined): void {
  if (!allows(action, role)) throw new ForbiddenError(actor, action === 'change' ? 'superadmin' : 'operator');
}

/** The rule for one write, for the store to apply to the role it reads inside that write's transaction. */
export function permit(action: Action, actor: string): Permit {
  return { actor, check: (role) => authorize(action, actor, role) };
}
