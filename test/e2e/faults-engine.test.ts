// The engine-boundary faults of issue 14, staged for real: the BUILT binary, with its production
// deadlines, pointed (DOCKER_HOST=unix://…) at fake engines that are small HTTP servers on unix
// sockets in this process (test/e2e/support/fake-engine.ts). One test per README "Faults" row,
// named `fault: <first cell of the row>`. Nothing here touches the real engine, but the e2e setup
// (and so this file) needs it all the same.
import path from 'node:path';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { explain, tempCli, type Cli, type CliResult } from './support/cli.js';
import { brokenEngines, startFakeEngine, type FakeEngine, type Handler } from './support/fake-engine.js';

const e2e = inject('e2e');
/** Never contacted: the fake engines answer (or not) for every registry. */
const REF = '127.0.0.1:5999/acme/worker:1';
/** The adapter's production per-call deadline (src/docker/deadlines.ts), as the reasons say it. */
const CALL_DEADLINE = '30s';

async function fakeEngine(handler: Handler): Promise<FakeEngine> {
  const engine = await startFakeEngine(handler);
  onTestFinished(() => engine.close());
  return engine;
}

/** The environment that points the binary at `engine` and nowhere else (no context, no credentials). */
function at(engine: FakeEngine, cli: Cli): Record<string, string | undefined> {
  return {
    DOCKER_HOST: engine.dockerHost,
    DOCKER_CONTEXT: undefined,
    DOCKER_TLS_VERIFY: undefined,
    DOCKER_CERT_PATH: undefined,
    DOCKER_CONFIG: path.join(cli.dir, 'no-docker-config'),
  };
}

/** What every fault must leave the user with: no stack trace, no blank reason. */
function expectCleanFailure(r: CliResult | { stderr: string; stdout: string }, why: string): void {
  expect(r.stderr.split('\n').filter((line) => /^\s+at /.test(line)), why).toEqual([]);
  expect(`${r.stdout}\n${r.stderr}`, why).not.toMatch(/failed: *$|error: *$|undefined/m);
}

/** The project's stored state: failed, with a reason that says something. Never pending. */
function expectStoredFailure(cli: Cli, project: string, reason: string | RegExp, why: string): void {
  const row = cli.store().project(project);
  expect(row?.status, why).toBe('failed');
  expect(row?.error ?? '', why).toMatch(/\S/);
  if (typeof reason === 'string') expect(row?.error, why).toBe(reason);
  else expect(row?.error, why).toMatch(reason);
}

describe.skipIf(!e2e.engine)('engine faults (README "Faults"), against fake engines', () => {
  it('fault: an engine that accepts connections and never answers', async () => {
    // Each command gets its own hung engine (so the SIGTERM case knows when its run is stuck), and
    // all run at once: every one must end by itself within the production per-call deadline.
    const hung = async () => ({ engine: await fakeEngine(brokenEngines.neverAnswers()), cli: await tempCli() });
    const { engine: setEngine, cli: setCli } = await hung();
    const { engine: termEngine, cli: termCli } = await hung();
    const { engine: validateEngine, cli: validateCli } = await hung();
    const { engine: doctorEngine, cli: doctorCli } = await hung();
    const { engine: cleanupEngine, cli: cleanupCli } = await hung();
    const noAnswer = (engine: FakeEngine, what: string) =>
      `Docker engine unreachable at ${engine.dockerHost}: it did not answer ${what} within ${CALL_DEADLINE}`;

    // validate needs a project, cleanup an operator (the store's creator); --no-validate calls no engine.
    for (const [cli, engine] of [
      [validateCli, validateEngine],
      [cleanupCli, cleanupEngine],
    ] as const) {
      const seeded = await cli.run(['set', 'p', REF, '--create', '--no-validate'], { env: at(engine, cli) });
      expect(seeded.exitCode, explain(seeded)).toBe(0);
    }

    const interrupted = (async () => {
      const proc = termCli.spawn(['set', 'p', REF, '--create', '--timeout', '10s'], { env: at(termEngine, termCli) });
      // Stuck in the pull: the engine took the request and will never answer it.
      await termEngine.requested(/^POST \/images\/create$/);
      proc.kill('SIGTERM');
      const r = await proc;
      return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), all: String(r.all) };
    })();

    const [set, term, validate, doctor, cleanup] = await Promise.all([
      setCli.run(['set', 'p', REF, '--create', '--timeout', '10s'], { env: at(setEngine, setCli) }),
      interrupted,
      validateCli.run(['validate', 'p', '--timeout', '10s'], { env: at(validateEngine, validateCli) }),
      doctorCli.run(['doctor'], { env: at(doctorEngine, doctorCli) }),
      cleanupCli.run(['cleanup'], { env: at(cleanupEngine, cleanupCli) }),
    ]);

    // set: ends by itself, 69, and stores why, naming the endpoint and the call that hung.
    const setReason = noAnswer(setEngine, `the request to pull ${REF}`);
    expect(set.exitCode, explain(set)).toBe(69);
    expect(set.lines, explain(set)).toEqual([`p  pending  ${REF}`, `p  failed: ${setReason}`]);
    expectStoredFailure(setCli, 'p', setReason, explain(set));
    expectCleanFailure(set, explain(set));

    // SIGTERM while the engine hangs: ends at once (long before the deadline), 143, interrupted.
    expect(term.exitCode, term.all).toBe(143);
    expect(term.stdout.split('\n').filter(Boolean), term.all).toEqual([`p  pending  ${REF}`, 'p  failed: interrupted (SIGTERM)']);
    expectStoredFailure(termCli, 'p', 'interrupted (SIGTERM)', term.all);
    expectCleanFailure(term, term.all);

    expect(validate.exitCode, explain(validate)).toBe(69);
    expectStoredFailure(validateCli, 'p', noAnswer(validateEngine, `the request to pull ${REF}`), explain(validate));
    expectCleanFailure(validate, explain(validate));

    expect(doctor.exitCode, explain(doctor)).toBe(69);
    expect(doctor.all, explain(doctor)).toContain(`it did not answer the request for its version within ${CALL_DEADLINE}`);
    expectCleanFailure(doctor, explain(doctor));

    expect(cleanup.exitCode, explain(cleanup)).toBe(69);
    expect(cleanup.all, explain(cleanup)).toContain(`it did not answer the request to list containers within ${CALL_DEADLINE}`);
    expectCleanFailure(cleanup, explain(cleanup));
  });

  it('fault: an engine that answers garbage or is not Docker', async () => {
    const cases = [
      {
        name: 'pull lines that are not JSON',
        engine: brokenEngines.garbagePull(),
        exitCode: 1,
        reason: () => 'engine error: the engine sent a pull progress line that is not JSON: "<html>\\x1b[31mProxy Error\\x1b[0m: upstream sent an invalid respons…"',
      },
      {
        name: 'an HTTP server that is not Docker (404, empty body)',
        engine: brokenEngines.notDocker(),
        exitCode: 69,
        reason: (engine: FakeEngine) => `Docker engine unreachable at ${engine.dockerHost}: it answered HTTP 404 to the request to pull ${REF}: it does not look like a Docker engine`,
      },
      {
        name: 'Docker-shaped JSON with the wrong types',
        engine: brokenEngines.wrongTypes(),
        exitCode: 1,
        reason: () => `engine error: the engine's image inspect answer for ${REF} is not Docker's (RepoDigests is a string, not a list of strings)`,
      },
      {
        name: 'a registry that dies mid-pull (EOF)',
        engine: brokenEngines.eofPull(),
        exitCode: 1,
        reason: () => `registry unreachable for ${REF}: the registry connection broke off during the pull (unexpected EOF)`,
      },
    ];
    const runs = await Promise.all(
      cases.map(async (c) => {
        const [engine, cli] = await Promise.all([fakeEngine(c.engine), tempCli()]);
        const set = await cli.run(['set', 'p', REF, '--create', '--timeout', '10s'], { env: at(engine, cli) });
        const doctor = await cli.run(['doctor'], { env: at(engine, cli) });
        return { ...c, engine, cli, set, doctor };
      }),
    );
    for (const { name, engine, cli, set, doctor, exitCode, reason } of runs) {
      const why = `${name}\n${explain(set)}`;
      expect(set.exitCode, why).toBe(exitCode);
      expect(set.lines, why).toEqual([`p  pending  ${REF}`, `p  failed: ${reason(engine)}`]);
      expectStoredFailure(cli, 'p', reason(engine), why);
      expectCleanFailure(set, why);
      expectCleanFailure(doctor, `${name}\n${explain(doctor)}`);
    }

    // doctor on the engines that are not usable: 69, and it says why.
    const byName = (prefix: string) => runs.find((run) => run.name.startsWith(prefix));
    const notDocker = byName('an HTTP server');
    expect(notDocker?.doctor.exitCode, notDocker && explain(notDocker.doctor)).toBe(69);
    expect(notDocker?.doctor.all).toContain(`answered HTTP 404 to the request for its version: it does not look like a Docker engine`);
    const wrongTypes = byName('Docker-shaped');
    expect(wrongTypes?.doctor.exitCode, wrongTypes && explain(wrongTypes.doctor)).toBe(69);
    expect(wrongTypes?.doctor.all).toContain("the engine's /version answer is not Docker's (Version is a number, not a string)");

    // cleanup on a container list of the wrong shape: 69 with the reason, no stack trace.
    if (wrongTypes !== undefined) {
      const cleanup = await wrongTypes.cli.run(['cleanup'], { env: at(wrongTypes.engine, wrongTypes.cli) });
      expect(cleanup.exitCode, explain(cleanup)).toBe(69);
      expect(cleanup.all, explain(cleanup)).toContain("the engine's container list answer (entry 1) is not Docker's (Created is a string, not a number)");
      expectCleanFailure(cleanup, explain(cleanup));
    }
  });
});
