/**
 * Which SQL the store speaks. Migrations and the few statements that differ ask for it; every
 * other write is the same kysely query on both.
 */
export type StoreDialect = 'sqlite' | 'postgres';

/** What a migration is: a step of the schema, written once for each dialect under one name. */
export interface StoreMigration {
  up(db: import('kysely').Kysely<unknown>, dialect?: StoreDialect): Promise<void>;
}
