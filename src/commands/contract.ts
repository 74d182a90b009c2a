import { contractHash } from '../checks/contract-hash.js';
import { inventoryOf } from '../checks/inventory.js';
import { WORKER_CONTRACT } from '../checks/worker-contract.js';
import type { CheckContract, EffectiveContract, Inventory, LifecycleListener, StoredContract, Subject } from '../domain/index.js';
import { EngineUnavailableError, ProbeFailedError, ProjectNotFoundError } from '../errors.js';
import { baselineContract, loadContract, type ContractFile } from '../formats/contract-file/index.js';
import { permit } from '../lifecycle/authorization.js';
import { effectiveContract } from '../lifecycle/contracts.js';
import { probeContract, probeImage } from '../lifecycle/probe.js';
import { validateSlot, type ValidationOutcome } from '../lifecycle/validator.js';
import type { ContractChange, StorePort } from '../ports/store.js';
import type { Lazy, Validation, WritableStore } from './deps.js';

/** A contract file as the CLI read it: its text, and the name errors cite. */
export interface ContractText {
  readonly text: string;
  readonly fileName: string;
}

export interface LintResult {
  readonly contract: CheckContract;
  readonly hash: string;
}

/** Parses and resolves a contract file: ContractFileError (exit 2, file:line:column: field) when it is wrong. */
export function lintContract(file: ContractText): LintResult {
  const contract = loadContract(file.text, file.fileName, WORKER_CONTRACT);
  return { contract, hash: contractHash(contract) };
}

export interface SetContractInput {
  readonly scope: Subject;
  /** null: clear the scope's contract (a project falls back to the default scope's, the default to the built-in). */
  readonly file: ContractText | null;
  /** Re-validate the scope's current image under the new contract. */
  readonly validate: boolean;
  readonly timeoutMs: number;
}

export interface SetContractDeps extends WritableStore, Validation {
  readonly listener: LifecycleListener;
}

export interface SetContractResult {
  readonly scope: Subject;
  readonly change: ContractChange;
  /** What now applies to the scope, and what applied before. */
  readonly effective: EffectiveContract;
  readonly previous: EffectiveContract;
  /** The re-validation of the scope's image; undefined when none ran (see `notValidated`). */
  readonly outcome: ValidationOutcome | undefined;
  readonly notValidated: 'unchanged' | 'no-image' | 'not-asked' | undefined;
  /** For the default scope: projects with an image of their own and no contract of their own, now held to it. */
  readonly governed: readonly string[];
}

/**
 * read → plan → apply: the file is parsed and resolved before anything is opened (a bad file
 * stores nothing), the assignment and its audit row are written in one transaction (superadmin
 * only), then the scope's current image is re-validated under the contract that now applies.
 */
export async function setContract(input: SetContractInput, deps: SetContractDeps): Promise<SetContractResult> {
  const parsed = input.file === null ? null : lintContract(input.file);
  if (input.scope.kind === 'project' && !deps.storeExists()) throw new ProjectNotFoundError(input.scope.project);
  const store = await deps.store();
  const slot = await store.getSlot(input.scope);
  if (input.scope.kind === 'project' && slot === undefined) throw new ProjectNotFoundError(input.scope.project);
  const willValidate = input.validate && slot?.reference != null;
  // The engine side is set up before anything is stored, as for `set`: a broken DOCKER_HOST refuses the change.
  const engine = willValidate ? await deps.engine() : undefined;
  const previous = effectiveContract(input.scope, await store.contractAssignments());
  const change = await store.setContract(
    input.scope,
    parsed === null ? null : { hash: parsed.hash, contract: parsed.contract, sourceText: input.file?.text ?? null },
    deps.actor,
    permit('change', deps.actor),
  );
  const assignments = await store.contractAssignments();
  const effective = effectiveContract(input.scope, assignments);
  const governed = input.scope.kind === 'default' ? await governedByDefault(store, assignments.projects) : [];
  const base = { scope: input.scope, change, effective, previous, governed };
  if (change.changed) deps.listener({ type: 'contract-changed', subject: input.scope, actor: deps.actor, before: change.before, after: change.after, from: previous, to: effective });
  if (!change.changed) return { ...base, outcome: undefined, notValidated: 'unchanged' };
  if (!input.validate) return { ...base, outcome: undefined, notValidated: 'not-asked' };
  if (engine === undefined || slot === undefined) return { ...base, outcome: undefined, notValidated: 'no-image' };
  // Re-read: the slot as it is now, so a change that raced this one is validated, not overwritten.
  const current = (await store.getSlot(input.scope)) ?? slot;
  if (current.reference === null) return { ...base, outcome: undefined, notValidated: 'no-image' };
  const outcome = await validateSlot({ ...engine, store, listener: deps.listener }, current, { actor: deps.actor, timeoutMs: input.timeoutMs, signal: deps.signal });
  return { ...base, outcome, notValidated: undefined };
}

async function governedByDefault(store: StorePort, own: ReadonlyMap<string, StoredContract>): Promise<string[]> {
  return (await store.listProjects()).flatMap((slot) => (slot.subject.kind === 'project' && slot.reference !== null && !own.has(slot.subject.project) ? [slot.subject.project] : []));
}

export interface ShowContractResult {
  readonly scope: Subject;
  readonly effective: EffectiveContract;
  /** The stored assignment behind it (who set it, from what text); undefined for the built-in. */
  readonly stored: StoredContract | undefined;
}

/** The contract that applies to a scope, where it comes from, and the text it was set from. */
export async function showContract(scope: Subject, deps: { readonly store: Lazy<StorePort> }): Promise<ShowContractResult> {
  const store = await deps.store();
  if (scope.kind === 'project' && (await store.getSlot(scope)) === undefined) throw new ProjectNotFoundError(scope.project, 'list');
  const assignments = await store.contractAssignments();
  const effective = effectiveContract(scope, assignments);
  const stored = effective.source === 'project' && scope.kind === 'project' ? assignments.projects.get(scope.project) : effective.source === 'default' ? assignments.default : undefined;
  return { scope, effective, stored };
}

export interface InitContractInput {
  readonly reference: string;
  readonly allowLocal: boolean;
  readonly timeoutMs: number;
}

export interface InitContractResult {
  /** The immutable reference that was probed. */
  readonly pin: string;
  readonly file: ContractFile;
  /** What the probe found: the tools on PATH with their versions. */
  readonly inventory: Inventory;
  /** Built-in checks the image fails, dropped from its baseline: id → what was found. */
  readonly dropped: ReadonlyArray<{ readonly id: string; readonly why: string }>;
}

/**
 * Probes a known-good image in the smoke container and writes the contract it passes: the
 * built-in checks with every version found as its floor, the extra tools found, and the built-in
 * checks it fails dropped (said in the file's comment). Stores nothing.
 */
export async function initContract(input: InitContractInput, deps: Pick<Validation, 'engine' | 'signal'>): Promise<InitContractResult> {
  const probed = await probeImage(await deps.engine(), { ...input, signal: deps.signal });
  const { verdict, pin } = probed.evaluation;
  if (verdict.status === 'failed' && verdict.cause === 'engine-unavailable') throw new EngineUnavailableError(verdict.reason);
  if (verdict.status === 'failed' || pin === undefined || probed.results === undefined) {
    throw new ProbeFailedError(input.reference, verdict.status === 'failed' ? verdict.reason : 'the probe produced no results');
  }
  const baseline = baselineContract(probed.results, WORKER_CONTRACT, baselineName(input.reference));
  const inventory = inventoryOf(probed.results, probeContract().checks).filter((entry) => entry.path !== null || entry.version !== null);
  return { pin, file: baseline.file, inventory, dropped: baseline.dropped };
}

/** `registry.example.com/team/worker:1.4` → `worker-baseline`. */
function baselineName(reference: string): string {
  const repository = reference.split('@')[0]?.split('/').at(-1)?.split(':')[0] ?? 'image';
  const slug = repository.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '');
  return `${slug === '' ? 'image' : slug}-baseline`;
}
