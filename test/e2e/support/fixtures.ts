import path from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT } from './paths.js';

/** The fixture variants fixtures/images/build.sh makes (see that script for what each one is). */
export const FIXTURE_VARIANTS = [
  'good',
  'no-git',
  'no-python',
  'no-bash',
  'entrypoint-exit1',
  'hang',
  'flood',
  'local-only',
  'node-old',
  'node-new',
  'non-root',
] as const;
export type FixtureVariant = (typeof FIXTURE_VARIANTS)[number];
export type FixtureImages = Record<FixtureVariant, string>;

const built = new Map<string, Promise<FixtureImages>>();

/**
 * Runs `fixtures/images/build.sh PREFIX` once per process and prefix (the script itself skips the
 * work when the images already carry the current inputs' hash). Resolves to variant → local image name.
 */
export function buildFixtureImages(prefix = 'cascade-fixture'): Promise<FixtureImages> {
  let p = built.get(prefix);
  if (!p) {
    p = run(prefix);
    built.set(prefix, p);
    p.catch(() => built.delete(prefix));
  }
  return p;
}

async function run(prefix: string): Promise<FixtureImages> {
  const script = path.join(REPO_ROOT, 'fixtures', 'images', 'build.sh');
  const r = await execa('bash', [script, prefix], { cwd: REPO_ROOT, reject: false, stdin: 'ignore' });
  if (r.exitCode !== 0) {
    throw new Error(`fixtures/images/build.sh ${prefix} failed (exit ${r.exitCode}):\n${r.stderr}\n${r.stdout}`);
  }
  const images: Partial<FixtureImages> = {};
  for (const line of r.stdout.split('\n')) {
    const [variant, name] = line.trim().split(/\s+/);
    if (variant && name && (FIXTURE_VARIANTS as readonly string[]).includes(variant)) {
      images[variant as FixtureVariant] = name;
    }
  }
  const missing = FIXTURE_VARIANTS.filter((v) => !images[v]);
  if (missing.length) throw new Error(`fixtures/images/build.sh did not report: ${missing.join(', ')}\n${r.stdout}`);
  return images as FixtureImages;
}
