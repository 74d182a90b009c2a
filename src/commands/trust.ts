import type { DriftPolicy, EffectivePolicy, HeldDrift, ImageSlot, LifecycleListener, SignatureMode, StoredPolicy, Subject } from '../domain/index.js';
import { ProjectNotFoundError } from '../errors.js';
import { permit } from '../lifecycle/authorization.js';
import { effectivePolicy } from '../lifecycle/policies.js';
import { validateSlot, type ValidationOutcome } from '../lifecycle/validator.js';
import type { StorePort } from '../ports/store.js';
import { parseTrustedKey } from '../trust/index.js';
import type { Lazy, Validation, WritableStore } from './deps.js';

/** A public key file as the CLI read it. */
export interface KeyText {
  readonly text: string;
  readonly path: string;
}

export interface SetTrustInput {
  readonly scope: Subject;
  /** Keys of a signature policy (with `mode`); absent: the signature policy is left as it is. */
  readonly signatures?: { readonly mode: SignatureMode; readonly keys: readonly KeyText[] } | null;
  /** absent: left as it is; null: cleared (inherit). */
  readonly drift?: DriftPolicy | null;
  /** Re-validate the scope's current image under the new policy (a new key may not have signed it). */
  readonly validate: boolean;
  readonly timeoutMs: number;
}

export interface SetTrustDeps extends WritableStore, Validation {
  readonly listener: LifecycleListener;
}

export interface SetTrustResult {
  readonly scope: Subject;
  readonly before: StoredPolicy | undefined;
  readonly after: StoredPolicy | undefined;
  readonly changed: boolean;
  /** What now applies to the scope. */
  readonly effective: EffectivePolicy;
  readonly outcome: ValidationOutcome | undefined;
}

/**
 * read → plan → apply: every key file parsed before the store is opened (a bad key stores
 * nothing), the policy and its audit rows written in one transaction (superadmin only), then the
 * scope's current image re-validated, since a pin nobody trusted signed must not stay launchable.
 */
export async function setTrust(input: SetTrustInput, deps: SetTrustDeps): Promise<SetTrustResult> {
  const signatures =
    input.signatures == null ? input.signatures : { mode: input.signatures.mode, keys: input.signatures.keys.map((key) => parseTrustedKey(key.text, key.path)) };
  if (input.scope.kind === 'project' && !deps.storeExists()) throw new ProjectNotFoundError(input.scope.project);
  const store = await deps.store();
  const slot = await store.getSlot(input.scope);
  if (input.scope.kind === 'project' && slot === undefined) throw new ProjectNotFoundError(input.scope.project);
  const willValidate = input.validate && slot?.reference != null && slot.status === 'verified';
  const engine = willValidate ? await deps.engine() : undefined;
  const change = await store.setPolicy(
    input.scope,
    { ...(signatures === undefined ? {} : { signatures }), ...(input.drift === undefined ? {} : { drift: input.drift }) },
    deps.actor,
    permit('change', deps.actor),
  );
  const effective = effectivePolicy(input.scope, await store.policyAssignments());
  const base = { scope: input.scope, ...change, effective };
  if (!change.changed || engine === undefined) return { ...base, outcome: undefined };
  const current = (await store.getSlot(input.scope)) ?? slot;
  if (current === undefined || current.reference === null) return { ...base, outcome: undefined };
  const outcome = await validateSlot({ ...engine, store, listener: deps.listener }, current, { actor: deps.actor, timeoutMs: input.timeoutMs, signal: deps.signal });
  return { ...base, outcome };
}

export interface ShowTrustResult {
  readonly scope: Subject;
  readonly effective: EffectivePolicy;
  readonly stored: StoredPolicy | undefined;
  /** A drift waiting for `approve`. */
  readonly held: HeldDrift | undefined;
}

export async function showTrust(scope: Subject, deps: { readonly store: Lazy<StorePort> }): Promise<ShowTrustResult> {
  const store = await deps.store();
  const slot = await store.getSlot(scope);
  if (scope.kind === 'project' && slot === undefined) throw new ProjectNotFoundError(scope.project, 'list');
  const assignments = await store.policyAssignments();
  const stored = scope.kind === 'project' ? assignments.projects.get(scope.project) : assignments.default;
  return { scope, effective: effectivePolicy(scope, assignments), stored, held: slot?.held ?? undefined };
}

export interface ApproveResult {
  readonly before: ImageSlot;
  readonly after: ImageSlot;
  readonly held: HeldDrift;
}

/** Takes the drift a hold policy kept: the new digest becomes the pin (superadmin, audited). */
export async function approveDrift(scope: Subject, deps: Pick<WritableStore, 'store' | 'storeExists'> & { readonly actor: string }): Promise<ApproveResult> {
  if (scope.kind === 'project' && !deps.storeExists()) throw new ProjectNotFoundError(scope.project);
  return (await deps.store()).approveDrift(scope, deps.actor, permit('change', deps.actor));
}
