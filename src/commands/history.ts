import type { AuditEntry } from '../domain/index.js';
import type { AuditQuery, StorePort } from '../ports/store.js';
import type { Lazy } from './deps.js';

/** The audit trail, newest first: anyone who can read the store may read it. */
export async function history(query: AuditQuery, deps: { readonly store: Lazy<StorePort> }): Promise<readonly AuditEntry[]> {
  return (await deps.store()).audit(query);
}
