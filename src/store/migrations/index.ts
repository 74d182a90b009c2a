import type { StoreMigration } from '../dialect.js';
import * as initial from './0001_initial.js';
import * as smokeCache from './0002_smoke_cache.js';
import * as contracts from './0003_contracts.js';
import * as policies from './0004_policies.js';
import * as serverRoles from './0005_server_roles.js';

/** Every migration, in order. Names are part of the on-disk format: never rename one. */
export const MIGRATIONS: Readonly<Record<string, StoreMigration>> = {
  '0001_initial': initial,
  '0002_smoke_cache': smokeCache,
  '0003_contracts': contracts,
  '0004_policies': policies,
  '0005_server_roles': serverRoles,
};
