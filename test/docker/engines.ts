// The adapter over a fake engine (test/e2e/support/fake-engine.ts), with short deadlines: each
// test's engine is closed when the test finishes.
import { onTestFinished } from 'vitest';
import { createDockerodeAdapter, type AdapterOptions } from '../../src/docker/dockerode-adapter.js';
import type { DockerPort, SmokeRunSpec } from '../../src/ports/docker.js';
import { startFakeEngine, type FakeEngine, type Handler } from '../e2e/support/fake-engine.js';

/** Short enough that a test of a hung engine settles quickly, long enough for a local socket. */
export const SHORT = { callTimeoutMs: 300, pullSilenceMs: 300 } as const;

export async function engineWith(handler: Handler, options: AdapterOptions = SHORT): Promise<{ engine: FakeEngine; docker: DockerPort }> {
  const engine = await startFakeEngine(handler);
  onTestFinished(() => engine.close());
  const docker = createDockerodeAdapter({ description: engine.dockerHost, socketPath: engine.socketPath }, options);
  return { engine, docker };
}

/** The rejection of `promise` (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<{ kind?: string; message: string; detail?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { kind?: string; message: string; detail?: string };
  }
  throw new Error('expected a rejection, got a result');
}

export function smokeSpec(overrides: Partial<SmokeRunSpec> = {}): SmokeRunSpec {
  return {
    image: 'acme/worker@sha256:' + 'a'.repeat(64),
    entrypoint: ['bash', '-c'],
    cmd: ['echo hi'],
    env: ['HOME=/tmp'],
    labels: { 'io.cascade-image.managed': 'true' },
    timeoutMs: 60_000,
    outputLimitBytes: 1024,
    memoryBytes: 512 * 1024 * 1024,
    pidsLimit: 256,
    ...overrides,
  };
}
