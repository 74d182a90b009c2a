/**
 * The names of every migration, in order, without loading them (they import kysely): opening a
 * store that is up to date must stay cheap. A test checks this list against ./index.ts.
 */
export const MIGRATION_NAMES: readonly string[] = ['0001_initial', '0002_smoke_cache', '0003_contracts', '0004_policies', '0005_server_roles'];
