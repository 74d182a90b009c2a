import type { LifecycleListener } from '../../src/domain/index.js';
import { PullCoordinator } from '../../src/lifecycle/pull-coordinator.js';
import type { ValidatorDeps } from '../../src/lifecycle/validator.js';
import type { DockerPort } from '../../src/ports/docker.js';
import type { SignatureSource } from '../../src/ports/signatures.js';
import type { StorePort } from '../../src/ports/store.js';

let runIds = 0;

/** What validateSlot needs, as one CLI invocation wires it (fresh pulls and evaluations), over test doubles. */
export function validatorDeps(parts: {
  readonly docker: DockerPort;
  readonly store: StorePort;
  readonly listener?: LifecycleListener;
  readonly signatures?: SignatureSource;
}): ValidatorDeps {
  const { signatures } = parts;
  return {
    docker: parts.docker,
    pulls: new PullCoordinator(parts.docker),
    store: parts.store,
    now: () => new Date(),
    newRunId: () => `run-${++runIds}`,
    owner: { pid: 1, host: 'test' },
    listener: parts.listener ?? (() => undefined),
    evaluations: new Map(),
    ...(signatures === undefined ? {} : { signatures: async () => signatures }),
  };
}
