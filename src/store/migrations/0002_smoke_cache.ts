import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';

// Frozen: the smoke-result cache and the contract a slot was last verified against.

// The same statements on both dialects.
export async function up(db: Kysely<unknown>, _dialect: StoreDialect = 'sqlite'): Promise<void> {
  await sql`
    create table smoke_results (
      image_id text not null,
      contract_hash text not null,
      status text not null check (status in ('verified', 'failed')),
      cause text,
      reason text,
      warnings text not null,
      results text not null,
      tested_at text not null,
      primary key (image_id, contract_hash)
    )`.execute(db);
  await sql`alter table projects add column contract_hash text`.execute(db);
  await sql`alter table global_default add column contract_hash text`.execute(db);
}
