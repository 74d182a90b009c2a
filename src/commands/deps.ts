import type { Here } from '../lifecycle/leases.js';
import type { ValidationEngine } from '../lifecycle/validator.js';
import type { StorePort } from '../ports/store.js';

/** A dependency opened on first use: a command that stops early never pays for it. */
export type Lazy<T> = () => Promise<T>;

/** The store as a command that changes it needs it: created (its creator the first superadmin) when missing. */
export interface WritableStore {
  readonly store: Lazy<StorePort>;
  /** Whether the store file exists yet: a project cannot exist in a store that does not. */
  readonly storeExists: () => boolean;
}

/** What validating needs besides the store: the engine side, wired once per invocation. */
export interface Validation {
  readonly engine: Lazy<ValidationEngine>;
  readonly actor: string;
  /** Aborted with 'SIGINT' / 'SIGTERM' as its reason: running validations wind down and store `failed`. */
  readonly signal: AbortSignal;
}

/** Facts about this host and this moment, for lease decisions. */
export type HereNow = () => Here;
