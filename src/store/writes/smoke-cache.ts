import type { CachedSmoke } from '../../domain/index.js';
import type { Timestamp, Tx } from './transaction.js';

/** Remembers a smoke-test verdict per (image ID, contract hash); a re-test of the same pair replaces it. */
export async function saveSmoke(tx: Tx, timestamp: Timestamp, imageId: string, contractHash: string, result: Omit<CachedSmoke, 'testedAt'>): Promise<void> {
  const values = {
    status: result.status,
    cause: result.cause,
    reason: result.reason,
    warnings: JSON.stringify(result.warnings),
    results: JSON.stringify(result.results),
    tested_at: timestamp(),
  };
  await tx
    .insertInto('smoke_results')
    .values({ image_id: imageId, contract_hash: contractHash, ...values })
    .onConflict((conflict) => conflict.columns(['image_id', 'contract_hash']).doUpdateSet(values))
    .execute();
}
