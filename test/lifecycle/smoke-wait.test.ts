// Waiting for another host's smoke test of the same image (PostgreSQL's exclusiveSmoke) is a step of
// the run like any other: it ends at the interrupt AND at the run's own bound. A run that waited past
// its bound would outlive its lease, and another host would take the slot over while it still runs.
import { describe, expect, it } from 'vitest';
import { projectSubject } from '../../src/domain/index.js';
import { BUILTIN_CONTRACT } from '../../src/lifecycle/contracts.js';
import { evaluateReference, type EvaluationRequest, type SmokeCache } from '../../src/lifecycle/evaluate.js';
import { PullCoordinator } from '../../src/lifecycle/pull-coordinator.js';
import { FakeDocker, GOOD_TOOLS } from '../support/fake-docker.js';

const REF = 'registry.test:5000/acme/worker:1.4';
const DIGEST = `sha256:${'a'.repeat(64)}`;

/** A store whose lock is held by another host that never finishes: the wait ends only by the signal it was given. */
function heldElsewhere(): SmokeCache & { seen: Array<AbortSignal | undefined> } {
  const seen: Array<AbortSignal | undefined> = [];
  return {
    seen,
    cachedSmoke: async () => undefined,
    saveSmoke: async () => undefined,
    smokeLock: 'shared',
    exclusiveSmoke: (_image, _contract, signal) => {
      seen.push(signal);
      return new Promise((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(new Error('gave up waiting')), { once: true });
      });
    },
  };
}

function evaluate(store: SmokeCache, signals: { interrupt?: AbortSignal; signal: AbortSignal }) {
  const docker = new FakeDocker();
  docker.publish(REF, DIGEST, { id: 'sha256:img1', tools: GOOD_TOOLS });
  const request: EvaluationRequest = {
    subject: projectSubject('acme'),
    allowLocal: false,
    reference: REF,
    runId: 'run-1',
    contract: BUILTIN_CONTRACT,
    timeoutMs: 20_000,
    interrupt: signals.interrupt,
    signal: signals.signal,
    fresh: false,
  };
  return { docker, result: evaluateReference({ docker, pulls: new PullCoordinator(docker), store, now: () => new Date(), listener: () => undefined }, request) };
}

describe('waiting for another host’s smoke test of the same image', () => {
  it('ends at the run’s own bound: a timeout verdict, and no container', async () => {
    const store = heldElsewhere();
    const bound = new AbortController();
    const { docker, result } = evaluate(store, { signal: bound.signal });
    setTimeout(() => bound.abort(), 100);
    const evaluation = await result;
    expect(evaluation.verdict).toMatchObject({ status: 'failed', cause: 'timeout' });
    expect(store.seen).toHaveLength(1);
    expect(store.seen[0]?.aborted).toBe(true);
    expect(docker.calls.run).toEqual([]);
  });

  it('ends at an interrupt: an interrupted verdict', async () => {
    const store = heldElsewhere();
    const interrupt = new AbortController();
    const bound = new AbortController();
    const { result } = evaluate(store, { interrupt: interrupt.signal, signal: AbortSignal.any([interrupt.signal, bound.signal]) });
    setTimeout(() => interrupt.abort('SIGINT'), 100);
    expect((await result).verdict).toMatchObject({ status: 'failed', cause: 'interrupted' });
  });
});
