import { resolve } from 'node:path';
import type { StoreLocation } from '../../config/store-location.js';
import type { CopySource, CopyTarget } from '../../ports/store-copy.js';

/**
 * The store-copy adapters, by location. A file path is made absolute (the audit rows that name it
 * outlive the directory it was typed in); node-postgres loads only for a server.
 */
export async function openCopySource(location: StoreLocation, now: () => Date): Promise<CopySource> {
  if (location.kind === 'sqlite') return (await import('./sqlite.js')).openSqliteCopySource(resolve(location.path), now);
  return (await import('./postgres.js')).openPostgresCopySource(location, now);
}

export async function openCopyTarget(location: StoreLocation, now: () => Date): Promise<CopyTarget> {
  if (location.kind === 'sqlite') return (await import('./sqlite.js')).openSqliteCopyTarget(resolve(location.path), now);
  return (await import('./postgres.js')).openPostgresCopyTarget(location, now);
}
