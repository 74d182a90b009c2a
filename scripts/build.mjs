#!/usr/bin/env node
// `npm run build`: bundles src/ into dist/ for a fast start.
//
//   dist/boot.cjs                the loader bin/ starts: runs a bundle through V8's code cache
//                                (each bundle below is a function expression it compiles as it is)
//   dist/cascade-image.cjs       the start: main.ts and what a read runs, with commander, chalk
//                                and better-sqlite3's JS
//   dist/cascade-image-more.cjs  the rest of src/, loaded by the first import() that needs it
//   dist/vendor/<library>.cjs    one bundle per heavy library, required on first use
//
// Each library that only some commands need (dockerode, kysely, pg, zod, yaml, execa, the progress
// widgets) is its own bundle, so `show` never reads or compiles them; inside dockerode, the ssh2
// transport and the gRPC session are split off too, and required on first use instead of at
// load. Source maps (beside each bundle) map stack traces back to src/.
import { build } from 'esbuild';
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { bundleBoundaries, common, dist, framing, libFile, libRequire, noColorDetection, ourCode, root, VENDOR, vendorPath } from './bundle-options.mjs';
import { acrossBundles, assertDisjoint, MORE_BUNDLE, moreEntry, planSplit, startEntry } from './core-split.mjs';

/**
 * What a read runs besides main.ts's static imports (`show`, `list`, `resolve`): the start bundle
 * holds these and all they import; the rest of src/ is in the second bundle (scripts/core-split.mjs).
 */
const START = ['src/commands/read.ts', 'src/render/human.ts', 'src/store/sqlite-store.ts'];

rmSync(dist, { recursive: true, force: true });
// The loader first: it says what a bundle's text is (src/boot/bundle-format.ts), a function
// expression the loader compiles as it is.
const boot = path.join(dist, 'boot.cjs');
await build({ ...common, entryPoints: [path.join(root, 'src', 'boot', 'index.ts')], outfile: boot, define: {} });
const framed = { ...common, ...framing(libRequire(boot)) };
const core = path.join(dist, 'cascade-image.cjs');
const more = path.join(dist, MORE_BUNDLE);
const ours = ourCode(framed);
// Where each module of src/ goes: from a look at the whole of src/ as one bundle (not written).
const { metafile } = await build({ ...ours, entryPoints: [path.join(root, 'src', 'main.ts')], outfile: core, write: false, metafile: true, plugins: [bundleBoundaries(core), noColorDetection] });
const plan = planSplit(metafile, START);
const [startBuild, moreBuild] = await Promise.all([
  build({
    ...ours,
    metafile: true,
    stdin: startEntry(plan, root),
    outfile: core,
    plugins: [acrossBundles(root, { other: MORE_BUNDLE, ask: 'moreModule', lives: (file) => file.startsWith('src/') && !plan.start.has(file) }), bundleBoundaries(core), noColorDetection],
  }),
  build({
    ...ours,
    metafile: true,
    stdin: moreEntry(plan, root),
    outfile: more,
    plugins: [acrossBundles(root, { other: 'cascade-image.cjs', ask: 'startModule', lives: (file) => plan.start.has(file) }), bundleBoundaries(more), noColorDetection],
  }),
  ...Object.entries(VENDOR).map(([name, contents]) =>
    build({
      ...framed,
      stdin: { contents, resolveDir: root, sourcefile: `vendor-${name}.js` },
      outfile: vendorPath(name),
      plugins: [bundleBoundaries(vendorPath(name))],
    }),
  ),
]);
assertDisjoint(startBuild.metafile, moreBuild.metafile);
// dockerode's session and BuildKit decoder read their .proto files beside their own file.
cpSync(path.join(path.dirname(libFile('dockerode', 'lib/session.js')), 'proto'), path.join(dist, 'vendor', 'proto'), { recursive: true });
