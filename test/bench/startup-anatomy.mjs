// A diagnostic section of `npm run bench` (no target): where the start-up of `show` and `list`
// goes, layer by layer. Each probe of test/bench/anatomy/ is bundled exactly as the product's
// bundles are (scripts/bundle-options.mjs), into a copy of the installed package, and run by a
// copy of its bin through the same code-cache loader:
//
//   loader only      an empty bundle: what any command pays before its first line runs
//   library only     better-sqlite3 running the statements a read runs; none of our code
//   no CLI layer     our store, read commands and renderers; no parsing, Services or Output
//   commander only   the same under commander with the product's options; no Services or Output
//   cascade-image    the installed command itself
//
// in the same interleaved rounds as `node -e 0`. What each layer adds is the median of the
// per-round differences to the layer before it in that list.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';
import { bundleBoundaries, common, framing, noColorDetection, ourCode, root } from '../../scripts/bundle-options.mjs';
import { median, must, r1, r2, spread, timed } from './measure.mjs';

const PROBES = ['loader-only', 'library-only', 'no-cli', 'commander-only'];
const LAYERS = ['node -e 0', 'loader only', 'library only', 'no CLI layer', 'commander only', 'cascade-image'];

/** Copies the installed tree (hard links: only the probes' files are new) and builds a bundle and a bin per probe. */
async function installProbes(installedTree, workDir) {
  const tree = path.join(workDir, 'installed');
  must(timed('cp', ['-al', installedTree, tree]), 'copy of the installed package');
  const pkg = path.join(tree, 'node_modules', 'cascade-image');
  const distDir = path.join(pkg, 'dist');
  const options = ourCode({ ...common, ...framing(createRequire(import.meta.url)(path.join(distDir, 'boot.cjs'))) });
  const bin = readFileSync(path.join(pkg, 'bin', 'cascade-image.cjs'), 'utf8');
  const loads = "loader.load(path.join(dist, 'cascade-image.cjs'));";
  if (bin.split(loads).length !== 2) throw new Error(`bin/cascade-image.cjs no longer contains ${loads}: revisit test/bench/startup-anatomy.mjs`);
  const bins = {};
  for (const probe of PROBES) {
    const outfile = path.join(distDir, `anatomy-${probe}.cjs`);
    await build({ ...options, entryPoints: [path.join(root, 'test', 'bench', 'anatomy', `${probe}.ts`)], outfile, plugins: [bundleBoundaries(outfile, distDir), noColorDetection] });
    bins[probe] = path.join(pkg, 'bin', `anatomy-${probe}.cjs`);
    writeFileSync(bins[probe], bin.replace(loads, `loader.load(path.join(dist, 'anatomy-${probe}.cjs'));`));
  }
  return { bin: path.join(pkg, 'bin', 'cascade-image.cjs'), probes: bins };
}

/**
 * @param {{ installedTree: string, workDir: string, project: string, rounds: number,
 *           environments: string[], envFor: (environment: string) => Record<string, string>, cwd: string }} o
 */
export async function benchAnatomy(o) {
  const { bin, probes } = await installProbes(o.installedTree, o.workDir);
  const node = process.execPath;
  const cases = (command) => ({
    'node -e 0': ['-e', '0'],
    'loader only': [probes['loader-only']],
    'library only': [probes['library-only'], command, o.project],
    'no CLI layer': [probes['no-cli'], command, o.project],
    'commander only': [probes['commander-only'], ...(command === 'show' ? ['show', o.project] : ['list'])],
    'cascade-image': [bin, ...(command === 'show' ? ['show', o.project] : ['list'])],
  });
  const commands = ['show', 'list'];
  const run = (environment, argv) => must(timed(node, argv, { env: o.envFor(environment), cwd: o.cwd }), `${argv.join(' ')} (${environment})`).ms;
  // Warm-up: page cache, and each probe's code cache written.
  for (const environment of o.environments) for (const command of commands) for (const argv of Object.values(cases(command))) for (let i = 0; i < 2; i++) run(environment, argv);
  const samples = {};
  for (let round = 0; round < o.rounds; round++) {
    for (const environment of o.environments) {
      for (const command of commands) {
        for (const [layer, argv] of Object.entries(cases(command))) ((samples[`${environment}|${command}`] ??= {})[layer] ??= []).push(run(environment, argv));
      }
    }
  }
  const environments = o.environments.map((environment) => ({
    environment,
    commands: Object.fromEntries(
      commands.map((command) => {
        const s = samples[`${environment}|${command}`];
        const base = s['node -e 0'];
        const layers = LAYERS.map((layer, i) => {
          const ratios = s[layer].map((ms, k) => ms / base[k]);
          const below = i === 0 ? undefined : s[LAYERS[i - 1]];
          return {
            layer,
            medianMs: r1(median(s[layer])),
            pairedRatio: r2(median(ratios)),
            spread: spread(ratios),
            addsMs: below === undefined ? null : r1(median(s[layer].map((ms, k) => ms - below[k]))),
          };
        });
        return [command, layers];
      }),
    ),
  }));
  return {
    note: 'probes of test/bench/anatomy/ built like the product and run through its loader; pairedRatio: median of per-round ratios to node -e 0; addsMs: median per-round difference to the layer before it in the list',
    rounds: o.rounds,
    environments,
  };
}

/** The report's lines for the section. */
export function anatomyLines(a) {
  const lines = [`diagnostic: where the start-up goes, layer by layer (median of ${a.rounds} interleaved rounds; no target)`];
  for (const e of a.environments) {
    lines.push(`   environment ${e.environment}`);
    for (const [command, layers] of Object.entries(e.commands)) {
      lines.push(`     ${command}`);
      for (const l of layers) {
        const adds = l.addsMs === null ? '' : `   adds ${l.addsMs >= 0 ? '+' : ''}${l.addsMs} ms`;
        lines.push(`       ${l.layer.padEnd(16)} ${String(l.medianMs).padStart(7)} ms   ${l.pairedRatio}× (p10–p90 ${l.spread.p10}–${l.spread.p90}×)${adds}`);
      }
    }
  }
  return lines;
}
