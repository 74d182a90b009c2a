// The smoke-test container's life against a scripted engine: create, attach, start, wait, and in
// every case remove. A check that hangs is killed; an engine that hangs is given up on; an
// interrupt ends the run at once; and whatever happened, the container is removed (within a bound).
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { sendJson, type Handler } from '../e2e/support/fake-engine.js';
import { engineWith, rejection, smokeSpec } from './engines.js';

const ID = 'c0ffee0000000000000000000000000000000000000000000000000000000000';

function frame(text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header.writeUInt8(1, 0);
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

interface Script {
  /** When the container's process ends: at once when started, only once killed, or never. */
  readonly exits: 'at-start' | 'when-killed' | 'never';
  readonly created?: unknown;
  readonly waited?: unknown;
  /** Requests that get no answer at all. */
  readonly hang?: RegExp;
}

/** Just enough of Docker's container API for one smoke run. */
function scripted(script: Script): Handler {
  let attach: ServerResponse | undefined;
  const waiting: ServerResponse[] = [];
  let exited = false;
  const exit = () => {
    exited = true;
    attach?.end();
    for (const response of waiting.splice(0)) sendJson(response, 200, script.waited ?? { StatusCode: script.exits === 'when-killed' ? 137 : 0 });
  };
  return (_request, response, route) => {
    if (script.hang?.test(route) === true) return;
    if (route === 'POST /containers/create') return sendJson(response, 201, script.created ?? { Id: ID, Warnings: [] });
    if (route === `POST /containers/${ID}/attach`) {
      attach = response;
      response.writeHead(200, { 'Content-Type': 'application/vnd.docker.raw-stream' });
      response.flushHeaders();
      return;
    }
    if (route === `POST /containers/${ID}/start`) {
      response.writeHead(204).end();
      attach?.write(frame('hello from bash\n'));
      if (script.exits === 'at-start') exit();
      return;
    }
    if (route === `POST /containers/${ID}/wait`) {
      waiting.push(response);
      if (exited) exit();
      return;
    }
    if (route === `POST /containers/${ID}/kill`) {
      response.writeHead(204).end();
      if (script.exits === 'when-killed') exit();
      return;
    }
    if (route === `DELETE /containers/${ID}`) {
      attach?.end();
      return void response.writeHead(204).end();
    }
    sendJson(response, 404, { message: `page not found: ${route}` });
  };
}

const REMOVED = `DELETE /containers/${ID}`;

describe('runSmokeTest', () => {
  it('runs the container to its end, keeps its output and removes it', async () => {
    const { engine, docker } = await engineWith(scripted({ exits: 'at-start' }));
    await expect(docker.runSmokeTest(smokeSpec())).resolves.toEqual({ exitCode: 0, output: 'hello from bash\n', truncated: false, timedOut: false, containerId: ID });
    await docker.settle();
    expect(engine.requests).toEqual([
      'POST /containers/create',
      `POST /containers/${ID}/attach`,
      `POST /containers/${ID}/start`,
      `POST /containers/${ID}/wait`,
      REMOVED,
    ]);
    await engine.allClosed();
  });

  it('resolves once the removal is asked for, and settle() waits for its answer (bounded like any call)', async () => {
    const { engine, docker } = await engineWith(scripted({ exits: 'at-start', hang: /^DELETE / }), { callTimeoutMs: 300, pullSilenceMs: 300 });
    const started = Date.now();
    await expect(docker.runSmokeTest(smokeSpec())).resolves.toMatchObject({ exitCode: 0 });
    // The verdict is known while the engine still works on the removal.
    await engine.requested(/^DELETE /);
    let settled = false;
    const settling = docker.settle().then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    await settling;
    // Given up at the call deadline: a hung removal never keeps the process from exiting.
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await engine.allClosed();
  });

  it('kills a check that hangs at its timeout, reports it as timed out, and removes the container', async () => {
    const { engine, docker } = await engineWith(scripted({ exits: 'when-killed' }));
    await expect(docker.runSmokeTest(smokeSpec({ timeoutMs: 100 }))).resolves.toMatchObject({ exitCode: null, timedOut: true, output: 'hello from bash\n' });
    expect(engine.requests).toContain(`POST /containers/${ID}/kill`);
    await docker.settle();
    expect(engine.requests.at(-1)).toBe(REMOVED);
  });

  it('gives up on an engine that does not answer the wait even after the kill: engine unavailable, container removed', async () => {
    const { engine, docker } = await engineWith(scripted({ exits: 'never' }));
    const failure = await rejection(docker.runSmokeTest(smokeSpec({ timeoutMs: 100 })));
    // The wait is bounded by the smoke-test timeout plus the per-call deadline (100 ms + 300 ms).
    expect(failure).toMatchObject({ kind: 'engine-unavailable', detail: `it did not answer the wait for the smoke-test container within 0.4s` });
    await docker.settle();
    expect(engine.requests.at(-1)).toBe(REMOVED);
    await engine.allClosed();
  });

  it('a check may run far longer than the per-call deadline: only the smoke-test timeout bounds it', async () => {
    let started = false;
    const inner = scripted({ exits: 'when-killed' });
    const { docker } = await engineWith((request, response, route) => {
      if (route.endsWith('/start')) started = true;
      inner(request, response, route);
    });
    // 1.5 s of running container against a 0.3 s call deadline, then the timeout's kill ends it.
    await expect(docker.runSmokeTest(smokeSpec({ timeoutMs: 1_500 }))).resolves.toMatchObject({ timedOut: true, exitCode: null, output: 'hello from bash\n' });
    expect(started).toBe(true);
  });

  it.each([
    ['create', /\/containers\/create$/],
    ['attach', /\/attach$/],
    ['start', /\/start$/],
    ['wait', /\/wait$/],
  ])('an interrupt while the engine hangs in %s ends the run as aborted and still tries to remove the container', async (step, hang) => {
    const { engine, docker } = await engineWith(scripted({ exits: 'never', hang }), { callTimeoutMs: 60_000, pullSilenceMs: 60_000 });
    const controller = new AbortController();
    const run = rejection(docker.runSmokeTest(smokeSpec({ signal: controller.signal })));
    await engine.requested(hang);
    controller.abort('SIGINT');
    expect(await run).toMatchObject({ kind: 'aborted' });
    await docker.settle();
    if (step !== 'create') expect(engine.requests.at(-1)).toBe(REMOVED);
    await engine.allClosed();
  });

  it('an interrupt while the engine hangs everything, removal included, still settles (the removal is bounded)', async () => {
    const { engine, docker } = await engineWith(scripted({ exits: 'never', hang: /\/wait$|^DELETE / }), { callTimeoutMs: 300, pullSilenceMs: 300 });
    const controller = new AbortController();
    const run = rejection(docker.runSmokeTest(smokeSpec({ signal: controller.signal })));
    await engine.requested(/\/wait$/);
    controller.abort('SIGTERM');
    expect(await run).toMatchObject({ kind: 'aborted' });
    await docker.settle();
    expect(engine.requests).toContain(REMOVED);
    await engine.allClosed();
  });

  it.each([
    ['create', { created: { Id: 7 } }, "the engine's container create answer is not Docker's (Id is a number, not a string)"],
    ['create', { created: { Warnings: [] } }, "the engine's container create answer is not Docker's (missing Id)"],
    ['create', { created: { Id: '../../images/x' } }, 'the engine\'s container create answer is not Docker\'s (Id "../../images/x" is not a container ID)'],
    ['wait', { waited: { StatusCode: '0' } }, "the engine's container wait answer is not Docker's (StatusCode is a string, not an integer)"],
    ['wait', { waited: {} }, "the engine's container wait answer is not Docker's (missing StatusCode)"],
  ])('a %s answer of the wrong shape fails precisely', async (_step, answers, message) => {
    const { engine, docker } = await engineWith(scripted({ exits: 'at-start', ...answers }));
    expect(await rejection(docker.runSmokeTest(smokeSpec()))).toMatchObject({ kind: 'other', message });
    await docker.settle();
    if (_step === 'wait') expect(engine.requests.at(-1)).toBe(REMOVED);
  });

  it("keeps the engine's own wording for a container that cannot start (no bash)", async () => {
    const inner = scripted({ exits: 'never' });
    const { engine, docker } = await engineWith((request, response, route) => {
      if (route.endsWith('/start')) {
        return sendJson(response, 400, {
          message: 'failed to create task for container: OCI runtime create failed: exec: "bash": executable file not found in $PATH: unknown',
        });
      }
      inner(request, response, route);
    });
    expect(await rejection(docker.runSmokeTest(smokeSpec()))).toMatchObject({ kind: 'no-bash', message: expect.stringContaining('executable file not found') });
    await docker.settle();
    expect(engine.requests.at(-1)).toBe(REMOVED);
  });
});
