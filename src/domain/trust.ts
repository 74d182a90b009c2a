import type { InventoryChange, Inventory } from './contract.js';
import type { PinKind } from './slot.js';

/**
 * Who vouched for an image: a signature policy (cosign signatures checked against the scope's
 * public keys before a digest is pinned) and a drift policy (whether a moved tag that passes is
 * re-pinned at once or held for an operator's approval). Both live beside the contract: per
 * project, else the default scope's, else none (no signatures required, drift re-pinned).
 */

/** enforce: an unsigned or wrongly signed image fails and is never pinned; warn: verified with a stored warning. */
export type SignatureMode = 'enforce' | 'warn';

/** repin: a drifted tag that passes is pinned at once (the behaviour without a policy); hold: it waits for `approve`. */
export type DriftPolicy = 'repin' | 'hold';

export type KeyAlgorithm = 'ecdsa-p256' | 'rsa' | 'ed25519';

/** A public key an operator trusts, as given (PEM, SPKI) with what identifies it. */
export interface TrustedKey {
  /** `-----BEGIN PUBLIC KEY-----` text, normalized (LF line ends, one trailing newline). */
  readonly pem: string;
  /** sha256 (hex) of the key's DER (SubjectPublicKeyInfo): how reasons and `trust show` name it. */
  readonly fingerprint: string;
  readonly algorithm: KeyAlgorithm;
}

export interface SignaturePolicy {
  readonly mode: SignatureMode;
  /** At least one; a signature by any of them is enough. */
  readonly keys: readonly TrustedKey[];
}

/** The policies a scope stores; null fields inherit (a project's from the default scope, the default's from none). */
export interface StoredPolicy {
  readonly signatures: SignaturePolicy | null;
  readonly drift: DriftPolicy | null;
  readonly setBy: string | null;
  readonly setAt: string | null;
}

export interface PolicyAssignments {
  readonly default: StoredPolicy | undefined;
  readonly projects: ReadonlyMap<string, StoredPolicy>;
}

/** Where an effective policy came from. */
export type PolicySource = 'none' | 'default' | 'project';

/** What applies to a subject: each part resolved on its own (a project may set drift and inherit signatures). */
export interface EffectivePolicy {
  readonly signatures: SignaturePolicy | null;
  readonly signaturesFrom: PolicySource;
  readonly drift: DriftPolicy;
  readonly driftFrom: PolicySource;
}

/** What checking an image's signatures found. */
export type SignatureVerdict =
  | {
      readonly status: 'trusted';
      /** The key that verified it (its fingerprint), and where the signature was found. */
      readonly key: string;
      readonly source: 'tag' | 'referrers';
    }
  | {
      readonly status: 'untrusted';
      /** Precise, for people: `no signature found (sha256-….sig: not found; referrers: not offered)`. */
      readonly reason: string;
      /** The registry could not be asked (unreachable, 5xx, auth failed): not the image's fault. */
      readonly unavailable: boolean;
    };

/** A drifted tag that passed under a hold policy: waiting for `approve`, while the old pin stays launchable. */
export interface HeldDrift {
  /** The immutable reference found (`repo@sha256:…`). */
  readonly digest: string;
  readonly pinKind: PinKind;
  /** The slot generation it was found for: a newer change of the project voids it. */
  readonly generation: number;
  readonly contractHash: string;
  readonly warnings: readonly string[];
  readonly inventory: Inventory | null;
  readonly inventoryChanges: readonly InventoryChange[];
  readonly runId: string;
  readonly foundAt: string;
}
