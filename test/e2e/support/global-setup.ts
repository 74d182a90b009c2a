import { execa } from 'execa';
import type { TestProject } from 'vitest/node';
import { ensureEngine } from './engine.js';
import { buildFixtureImages, type FixtureVariant } from './fixtures.js';
import { pushImage, startRegistry } from './registry.js';

/** Variants pushed to the shared registry as `<registry>/acme/worker:<variant>` (local-only never is). */
export const PUSHED_VARIANTS = ['good', 'no-git', 'no-python', 'no-bash', 'entrypoint-exit1', 'hang', 'flood', 'node-old', 'node-new', 'non-root'] as const;
export type PushedVariant = (typeof PUSHED_VARIANTS)[number];
export const SHARED_REPO = 'acme/worker';

export interface E2EContext {
  /** false only outside CI when no engine could be brought up: every e2e suite must skip then. */
  engine: boolean;
  /** `127.0.0.1:PORT` of the shared throwaway registry ('' when engine is false). */
  registry: string;
  /** variant → pushed reference `<registry>/acme/worker:<variant>` (empty when engine is false). */
  images: Record<PushedVariant, string>;
  /** variant → registry manifest digest (`sha256:…`) as pushed during setup. */
  digests: Record<PushedVariant, string>;
  /** variant → local image name (all fixtures, e.g. `cascade-fixture/good:latest`). */
  local: Record<FixtureVariant, string>;
  /** Local name of the `local-only` image: distinct ID, never pushed, RepoDigests empty. */
  localOnly: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2e: E2EContext;
  }
}

const secs = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)}s`;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const absent: E2EContext = {
    engine: false,
    registry: '',
    images: {} as E2EContext['images'],
    digests: {} as E2EContext['digests'],
    local: {} as E2EContext['local'],
    localOnly: '',
  };

  let t = performance.now();
  if (!(await ensureEngine())) {
    // Outside CI only (ensureEngine throws under CI=true).
    project.provide('e2e', absent);
    return async () => {};
  }
  const tEngine = secs(t);

  t = performance.now();
  const local = await buildFixtureImages();
  const tFixtures = secs(t);

  t = performance.now();
  const registry = await startRegistry();
  const tRegistry = secs(t);

  const images = {} as E2EContext['images'];
  const digests = {} as E2EContext['digests'];
  t = performance.now();
  try {
    // Pushed one after the other: they share the base layer, so all but the first only mount it.
    for (const v of PUSHED_VARIANTS) {
      const ref = registry.ref(SHARED_REPO, v);
      digests[v] = await pushImage(local[v], ref);
      images[v] = ref;
    }
  } catch (e) {
    await registry.stop();
    throw e;
  }
  const tPush = secs(t);

  console.log(
    `[e2e] engine ${tEngine}, fixtures ${tFixtures}, registry ${registry.host} ${tRegistry}, ` +
      `push ${PUSHED_VARIANTS.length} images ${tPush}`,
  );

  project.provide('e2e', { engine: true, registry: registry.host, images, digests, local, localOnly: local['local-only'] });

  return async () => {
    // Untag the registry references (the local fixture names keep the images), then drop the registry.
    await execa('docker', ['image', 'rm', ...Object.values(images)], { reject: false, stdin: 'ignore' });
    await registry.stop();
  };
}
