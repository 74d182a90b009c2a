import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterEach, expect, it } from 'vitest';
import { BUNDLE_BANNER, BUNDLE_FOOTER, BundleLoader, mapStackTraces } from '../../src/boot/index.js';

const saved = Error.prepareStackTrace;
let dir: string | undefined;
afterEach(() => {
  Error.prepareStackTrace = saved;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

it('maps a stack frame inside a bundle back to its source file, line and column', async () => {
  dir = mkdtempSync(join(tmpdir(), 'cascade-stack-'));
  const source = join(dir, 'boom.ts');
  writeFileSync(source, ['export function explode(): never {', '  const why: string = "on purpose";', '  throw new Error(why);', '}', ''].join('\n'));
  const bundle = join(dir, 'out', 'boom.cjs');
  // Built as scripts/build.mjs builds dist/: minified CommonJS in the loader's wrapper, with a linked source map.
  await build({
    entryPoints: [source],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    minify: true,
    sourcemap: 'linked',
    banner: { js: BUNDLE_BANNER },
    footer: { js: BUNDLE_FOOTER },
    outfile: bundle,
    logLevel: 'error',
  });
  const { explode } = new BundleLoader({ cacheDir: undefined, runtimeKey: 'test', pid: 1 }).load(bundle) as { explode: () => never };

  mapStackTraces((file) => file === bundle);
  let stack = '';
  try {
    explode();
  } catch (error) {
    stack = (error as Error).stack ?? '';
  }
  expect(stack.split('\n')[0]).toBe('Error: on purpose');
  expect(stack.split('\n')[1]).toContain(`${source}:3:`);
  expect(stack).not.toContain(`${bundle}:`);
});
