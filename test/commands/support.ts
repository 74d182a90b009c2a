import type { SetImageDeps, SetImageInput, SetImageResult } from '../../src/commands/set.js';
import { setImage } from '../../src/commands/set.js';
import type { ValidateDeps } from '../../src/commands/validate.js';
import { projectSubject, type ImageSlot, type LifecycleEvent, type Subject } from '../../src/domain/index.js';
import { DockerFailure } from '../../src/errors.js';
import { permit } from '../../src/lifecycle/authorization.js';
import type { Here } from '../../src/lifecycle/leases.js';
import { PullCoordinator } from '../../src/lifecycle/pull-coordinator.js';
import type { ValidationEngine } from '../../src/lifecycle/validator.js';
import type { OurContainer } from '../../src/ports/docker.js';
import type { StorePort } from '../../src/ports/store.js';
import { FakeDocker, GOOD_TOOLS, toolsWithout, type FakeImage } from '../support/fake-docker.js';
import { ADMIN, memoryStore } from '../support/store.js';

export { ADMIN, GOOD_TOOLS, toolsWithout };

export const REGISTRY = 'registry.test:5000';
export const REF = `${REGISTRY}/acme/worker:1.4`;
export const REF_2 = `${REGISTRY}/acme/worker:1.5`;
export const DIGEST = `sha256:${'a'.repeat(64)}`;
export const DIGEST_2 = `sha256:${'b'.repeat(64)}`;
export const DIGEST_3 = `sha256:${'c'.repeat(64)}`;
/** What a registry pull of REF pins: the repository at the digest the fake registry announced. */
export const pinOf = (digest: string, repository = `${REGISTRY}/acme/worker`): string => `${repository}@${digest}`;

export const VIEWER = 'bob';
export const STRANGER = 'mallory';
export const HOST = 'test-host';

export const good = (id: string): FakeImage => ({ id, tools: GOOD_TOOLS });
export const without = (id: string, ...tools: string[]): FakeImage => ({ id, tools: toolsWithout(...tools) });

/**
 * FakeDocker with containers on its engine: `listContainers` filters by label like the engine
 * does (and remembers the filter it was asked for), and fails like a down engine.
 */
export class ContainerDocker extends FakeDocker {
  containers: OurContainer[] = [];
  readonly listedWith: Array<Readonly<Record<string, string>>> = [];

  override async listContainers(labels: Readonly<Record<string, string>> = {}): Promise<readonly OurContainer[]> {
    this.listedWith.push(labels);
    if (this.engineDown) throw new DockerFailure('engine-unavailable', 'no engine socket there (ENOENT); is dockerd running?');
    return this.containers.filter((container) => Object.entries(labels).every(([key, value]) => container.labels[key] === value));
  }

  override async removeContainer(id: string): Promise<void> {
    await super.removeContainer(id);
    this.containers = this.containers.filter((container) => container.id !== id);
  }
}

export interface Harness {
  readonly store: StorePort;
  readonly docker: ContainerDocker;
  readonly events: LifecycleEvent[];
  readonly controller: AbortController;
  /** How many engines the commands opened (each invocation opens at most one). */
  readonly engines: { opened: number };
  /** An engine the way one CLI invocation wires it: one PullCoordinator and one evaluations map. */
  newEngine(): ValidationEngine;
  here(isAlive?: (pid: number) => boolean): Here;
  setDeps(actor?: string, overrides?: Partial<SetImageDeps>): SetImageDeps;
  validateDeps(actor?: string, overrides?: Partial<ValidateDeps>): ValidateDeps;
  slot(subject: Subject | string): Promise<ImageSlot | undefined>;
  /** Stores and (by default) validates a project's image as the superadmin. */
  seed(project: string, reference: string | null, options?: Partial<SetImageInput>): Promise<SetImageResult>;
  grantViewer(actor?: string): Promise<void>;
}

export async function harness(now: () => Date = () => new Date()): Promise<Harness> {
  const store = await memoryStore(now);
  const docker = new ContainerDocker();
  const events: LifecycleEvent[] = [];
  const controller = new AbortController();
  const engines = { opened: 0 };
  let runIds = 0;

  const newEngine = (): ValidationEngine => ({
    docker,
    pulls: new PullCoordinator(docker),
    now,
    newRunId: () => `run-${++runIds}`,
    owner: { pid: process.pid, host: HOST },
    evaluations: new Map(),
  });
  /** Opened once per deps object, as Services does once per invocation. */
  const lazyEngine = () => {
    let engine: Promise<ValidationEngine> | undefined;
    return () => {
      if (engine === undefined) {
        engines.opened += 1;
        engine = Promise.resolve(newEngine());
      }
      return engine;
    };
  };
  const here = (isAlive: (pid: number) => boolean = () => true): Here => ({ host: HOST, now: now(), isAlive });

  const setDeps = (actor = ADMIN, overrides: Partial<SetImageDeps> = {}): SetImageDeps => ({
    store: async () => store,
    storeExists: () => true,
    engine: lazyEngine(),
    actor,
    signal: controller.signal,
    listener: (event) => events.push(event),
    ...overrides,
  });

  const validateDeps = (actor = ADMIN, overrides: Partial<ValidateDeps> = {}): ValidateDeps => ({
    store: async () => store,
    engine: lazyEngine(),
    actor,
    signal: controller.signal,
    here: () => here(),
    listener: (event) => events.push(event),
    ...overrides,
  });

  return {
    store,
    docker,
    events,
    controller,
    engines,
    newEngine,
    here,
    setDeps,
    validateDeps,
    slot: (subject) => store.getSlot(typeof subject === 'string' ? projectSubject(subject) : subject),
    seed: (project, reference, options = {}) =>
      // Its own signal: aborting the harness's controller must not interrupt the set-up.
      setImage(setInput({ subject: projectSubject(project), reference, ...options }), setDeps(ADMIN, { listener: () => undefined, signal: new AbortController().signal })),
    grantViewer: (actor = VIEWER) => store.setOperator(actor, 'viewer', permit('change', ADMIN)),
  };
}

export function setInput(overrides: Partial<SetImageInput> = {}): SetImageInput {
  return {
    subject: projectSubject('acme'),
    reference: REF,
    create: true,
    validate: true,
    allowLocal: false,
    timeoutMs: 20_000,
    via: 'set',
    ...overrides,
  };
}

/** A lazy dependency that must never be opened: the command should have stopped before needing it. */
export function neverOpened<T>(what: string): (() => Promise<T>) & { calls: number } {
  const spy = Object.assign(
    async (): Promise<T> => {
      spy.calls += 1;
      throw new Error(`${what} should not have been opened`);
    },
    { calls: 0 },
  );
  return spy;
}

/** Waits until `condition` holds (polling), for tests that act while a validation is under way. */
export async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A promise the test releases: assign it to FakeDocker.pullGate to hold pulls. */
export function gate(): { readonly promise: Promise<void>; readonly release: () => void } {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}
