import { projectOf, type SignaturePolicy, type StoredPolicy, type Subject } from '../../domain/index.js';
import { ProjectNotFoundError } from '../../errors.js';
import type { PolicyChange, PolicySetResult } from '../../ports/store.js';
import { scopeKey, toStoredPolicy } from '../rows.js';
import { insertAudit } from './audit.js';
import { checkSignaturePolicy } from './key-check.js';
import type { Timestamp, Tx } from './transaction.js';

/**
 * Changes a scope's policies: an absent field keeps what is stored, null clears it. A change that
 * changes nothing writes nothing; a scope left with no policy has its row deleted. Each policy
 * that changed gets its own audit row, naming keys by fingerprint only.
 */
export async function setPolicy(tx: Tx, timestamp: Timestamp, scope: Subject, change: PolicyChange, actor: string): Promise<PolicySetResult> {
  if (change.signatures !== undefined && change.signatures !== null) checkSignaturePolicy(change.signatures);
  if (scope.kind === 'project') {
    const project = await tx.selectFrom('projects').select('id').where('id', '=', scope.project).executeTakeFirst();
    if (project === undefined) throw new ProjectNotFoundError(scope.project);
  }
  const key = scopeKey(scope);
  const row = await tx.selectFrom('policies').selectAll().where('scope', '=', key).executeTakeFirst();
  const before = row === undefined ? undefined : toStoredPolicy(row);
  const signatures = change.signatures === undefined ? (before?.signatures ?? null) : storable(change.signatures);
  const drift = change.drift === undefined ? (before?.drift ?? null) : change.drift;
  const trustChanged = !sameSignatures(before?.signatures ?? null, signatures);
  const driftChanged = (before?.drift ?? null) !== drift;
  if (!trustChanged && !driftChanged) return { before, after: before, changed: false };

  let after: StoredPolicy | undefined;
  if (signatures === null && drift === null) {
    await tx.deleteFrom('policies').where('scope', '=', key).execute();
  } else {
    const now = timestamp();
    after = { signatures, drift, setBy: actor, setAt: now };
    const values = {
      signature_mode: signatures?.mode ?? null,
      keys: signatures === null ? null : JSON.stringify(signatures.keys),
      drift,
      set_by: actor,
      set_at: now,
    };
    await tx
      .insertInto('policies')
      .values({ scope: key, ...values })
      .onConflict((conflict) => conflict.column('scope').doUpdateSet(values))
      .execute();
  }
  const project = projectOf(scope);
  if (trustChanged) {
    const from = before?.signatures ?? null;
    await insertAudit(tx, timestamp, {
      actor,
      project,
      event: signatures === null ? 'trust_cleared' : 'trust_set',
      from: from?.mode ?? null,
      to: signatures?.mode ?? null,
      detail: { fromMode: from?.mode ?? null, toMode: signatures?.mode ?? null, fromKeys: fingerprints(from), toKeys: fingerprints(signatures) },
    });
  }
  if (driftChanged) {
    const from = before?.drift ?? null;
    await insertAudit(tx, timestamp, { actor, project, event: 'drift_policy_set', from, to: drift, detail: { fromDrift: from, toDrift: drift } });
  }
  return { before, after, changed: true };
}

/** Exactly the fields a trusted key has: whatever else a caller's object carries never reaches the file. */
function storable(policy: SignaturePolicy | null): SignaturePolicy | null {
  if (policy === null) return null;
  return { mode: policy.mode, keys: policy.keys.map(({ pem, fingerprint, algorithm }) => ({ pem, fingerprint, algorithm })) };
}

const fingerprints = (policy: SignaturePolicy | null): string[] => policy?.keys.map((key) => key.fingerprint) ?? [];

/** The same mode trusting the same keys (in any order: a signature by any one of them is enough). */
function sameSignatures(a: SignaturePolicy | null, b: SignaturePolicy | null): boolean {
  if (a === null || b === null) return a === b;
  const keys = new Set(fingerprints(a));
  return a.mode === b.mode && a.keys.length === b.keys.length && b.keys.every((key) => keys.has(key.fingerprint));
}
