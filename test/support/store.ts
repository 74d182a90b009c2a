import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { StorePort } from '../../src/ports/store.js';

export const ADMIN = 'alice';

/** A real in-memory SQLite store with the real migrations; `alice` created it, so she is superadmin. */
export function memoryStore(now: () => Date = () => new Date()): Promise<StorePort> {
  return openSqliteStore({ path: ':memory:', now, bootstrapActor: ADMIN });
}
