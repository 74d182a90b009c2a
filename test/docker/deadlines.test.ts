// Every engine request has a deadline, and the caller's signal ends any of them at once. The
// engines here accept connections and then go quiet; the adapter gets deadlines of a few hundred
// milliseconds, so a test that hangs (vitest's own 5 s limit) means a request without a bound.
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { CALL_TIMEOUT_MS, deadlinesFrom, PULL_SILENCE_MS } from '../../src/docker/deadlines.js';
import type { PullProgress } from '../../src/domain/index.js';
import type { DockerPort } from '../../src/ports/docker.js';
import { brokenEngines } from '../e2e/support/fake-engine.js';
import { engineWith, rejection, SHORT, smokeSpec } from './engines.js';

const REF = 'registry.example/acme/worker:1';
/** Long enough that only the abort can end the call within the test's time. */
const PATIENT = { callTimeoutMs: 60_000, pullSilenceMs: 60_000 };

describe('an engine that accepts connections and never answers', () => {
  it.each([
    ['version', 'the request for its version', (d: DockerPort) => d.version()],
    ['pull', `the request to pull ${REF}`, (d: DockerPort) => d.pull(REF)],
    ['inspectImage', `the request to inspect image ${REF}`, (d: DockerPort) => d.inspectImage(REF)],
    ['listContainers', 'the request to list containers', (d: DockerPort) => d.listContainers({ a: 'b' })],
    ['removeContainer', 'the request to remove container 0123456789ab', (d: DockerPort) => d.removeContainer('0123456789abcdef')],
    ['runSmokeTest', 'the request to create the smoke-test container', (d: DockerPort) => d.runSmokeTest(smokeSpec())],
  ])('%s fails as the engine being unavailable once its deadline passes, naming the call', async (_name, what, call) => {
    const { engine, docker } = await engineWith(brokenEngines.neverAnswers());
    const failure = await rejection(call(docker));
    expect(failure).toMatchObject({
      kind: 'engine-unavailable',
      detail: `it did not answer ${what} within 0.3s`,
      message: `Docker engine unreachable at ${engine.dockerHost}: it did not answer ${what} within 0.3s`,
    });
    // The request was given up on the client side too: no socket is left to keep the process alive.
    await engine.allClosed();
  });

  it.each([
    ['version', (d: DockerPort, signal: AbortSignal) => d.version({ signal })],
    ['pull', (d: DockerPort, signal: AbortSignal) => d.pull(REF, { signal })],
    ['inspectImage', (d: DockerPort, signal: AbortSignal) => d.inspectImage(REF, { signal })],
    ['listContainers', (d: DockerPort, signal: AbortSignal) => d.listContainers({}, { signal })],
    ['removeContainer', (d: DockerPort, signal: AbortSignal) => d.removeContainer('abc', { signal })],
    ['runSmokeTest', (d: DockerPort, signal: AbortSignal) => d.runSmokeTest(smokeSpec({ signal }))],
  ])('%s rejects as aborted as soon as the caller aborts, while the engine still hangs', async (_name, call) => {
    const { engine, docker } = await engineWith(brokenEngines.neverAnswers(), PATIENT);
    const controller = new AbortController();
    const settled = rejection(call(docker, controller.signal));
    await engine.requested(/./);
    controller.abort('SIGTERM');
    const failure = await settled;
    expect(failure.kind).toBe('aborted');
    expect(failure.message).toMatch(/\S/);
    await engine.allClosed();
  });

  it('an already aborted signal never waits for the engine', async () => {
    const { docker } = await engineWith(brokenEngines.neverAnswers(), PATIENT);
    await expect(docker.version({ signal: AbortSignal.abort('SIGINT') })).rejects.toMatchObject({ kind: 'aborted' });
  });
});

describe('an engine that answers, then stalls a pull stream half-way', () => {
  it('fails the pull once no progress line came for the silence deadline, after reporting what did come', async () => {
    const { engine, docker } = await engineWith(brokenEngines.stallsPull());
    const seen: PullProgress[] = [];
    await expect(docker.version()).resolves.toMatchObject({ version: '27.0.0' });
    const failure = await rejection(docker.pull(REF, { onProgress: (progress) => seen.push(progress) }));
    expect(failure).toMatchObject({
      kind: 'engine-unavailable',
      detail: `it sent no progress for 0.3s during the pull of ${REF}`,
    });
    expect(seen.map((progress) => progress.status)).toEqual(['Pulling from acme/worker', 'Downloading']);
    await engine.allClosed();
  });

  it('an abort mid-stream ends the pull at once as aborted', async () => {
    const { engine, docker } = await engineWith(brokenEngines.stallsPull(), PATIENT);
    const controller = new AbortController();
    let resolveProgress: () => void = () => undefined;
    const progressed = new Promise<void>((resolve) => {
      resolveProgress = resolve;
    });
    const settled = rejection(docker.pull(REF, { signal: controller.signal, onProgress: () => resolveProgress() }));
    await progressed;
    controller.abort('SIGINT');
    expect(await settled).toMatchObject({ kind: 'aborted', detail: `the pull of ${REF} was interrupted` });
    await engine.allClosed();
  });

  it('the silence deadline starts over with every line: a slow but steady pull is not cut', async () => {
    let stream: ServerResponse | undefined;
    const { docker } = await engineWith(
      (_request, response, route) => {
        if (route !== 'POST /images/create') return;
        stream = response;
        response.writeHead(200);
        response.flushHeaders();
      },
      { callTimeoutMs: 1_000, pullSilenceMs: 1_000 },
    );
    const pulled = docker.pull(REF);
    // Fifteen lines a tenth of the silence deadline apart: longer than the deadline in all, never
    // a gap anywhere near it.
    const seen: number[] = [];
    await new Promise<void>((resolve) => {
      const tick = () => {
        if (stream === undefined) return void setTimeout(tick, 10);
        if (seen.length === 15) {
          stream.end(`${JSON.stringify({ status: 'Digest: sha256:' + 'c'.repeat(64) })}\n`);
          return resolve();
        }
        seen.push(seen.length);
        stream.write(`${JSON.stringify({ status: 'Downloading', id: 'l1', progressDetail: { current: seen.length, total: 15 } })}\n`);
        setTimeout(tick, 100);
      };
      tick();
    });
    await expect(pulled).resolves.toEqual({ digest: 'sha256:' + 'c'.repeat(64) });
  });
});

describe('the deadlines', () => {
  it('are the named production values unless a test passes others through the factory', () => {
    expect(deadlinesFrom()).toEqual({ callMs: CALL_TIMEOUT_MS, pullSilenceMs: PULL_SILENCE_MS, abortCleanupMs: 5_000 });
    expect(CALL_TIMEOUT_MS).toBe(30_000);
    expect(PULL_SILENCE_MS).toBe(60_000);
    expect(deadlinesFrom(SHORT)).toEqual({ callMs: 300, pullSilenceMs: 300, abortCleanupMs: 300 });
  });
});
