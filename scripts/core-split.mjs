// The split of src/ into two bundles (used by scripts/build.mjs):
//
//   dist/cascade-image.cjs       the start: main.ts, what it imports, and what a read runs
//   dist/cascade-image-more.cjs  the rest of src/: what only changes, validations and the
//                                other commands need, loaded by the first import() that needs it
//
// A read (`show`, `list`) then reads, hashes and compiles only the start. Each module is in
// exactly one of the two, so a class is one class for both (`instanceof` holds): a dynamic import
// from the start of a module in the rest asks the rest's `moreModule(id)`, and the rest's imports
// of modules in the start ask the start's `startModule(id)` — each a switch of `require`s, so
// esbuild still initializes every module once, in order, on first use.
import path from 'node:path';

export const MORE_BUNDLE = 'cascade-image-more.cjs';

/**
 * Which modules the start holds: main.ts's static imports and those of `startEntries`, each
 * with all it imports statically. From a metafile of the whole of src/ in one bundle.
 */
export function planSplit(metafile, startEntries) {
  const inputs = metafile.inputs;
  const isSource = (file) => file.startsWith('src/');
  const start = new Set();
  const pending = ['src/main.ts', ...startEntries];
  while (pending.length > 0) {
    const file = pending.pop();
    if (start.has(file)) continue;
    if (inputs[file] === undefined) throw new Error(`scripts/core-split.mjs: ${file} is not part of the bundle`);
    start.add(file);
    for (const edge of inputs[file].imports) if (edge.kind !== 'dynamic-import' && isSource(edge.path)) pending.push(edge.path);
  }
  const more = Object.keys(inputs).filter((file) => isSource(file) && !start.has(file));
  const importedFrom = (files, kinds) =>
    new Set(files.flatMap((file) => inputs[file].imports.filter((edge) => kinds.includes(edge.kind)).map((edge) => edge.path)));
  // What the start imports of the rest (only ever dynamically: the start is closed under static imports)…
  const fromMore = [...importedFrom([...start], ['dynamic-import'])].filter((file) => more.includes(file));
  // …and what the rest imports of the start, any way.
  const fromStart = [...importedFrom(more, ['import-statement', 'require-call', 'dynamic-import'])].filter((file) => start.has(file));
  return { start, fromMore: fromMore.sort(), fromStart: fromStart.sort() };
}

/** A module whose `name(id)` returns the namespace of each listed module, `require`d on first ask. */
function switchboard(name, files, entryDir, root) {
  const cases = files.map((file) => {
    const relative = path.relative(entryDir, path.join(root, file)).split(path.sep).join('/');
    return `    case ${JSON.stringify(file)}: return require(${JSON.stringify(relative.startsWith('.') ? relative : `./${relative}`)});`;
  });
  return `export function ${name}(id) {\n  switch (id) {\n${cases.join('\n')}\n    default: throw new Error('no module ' + id + ' in this bundle');\n  }\n}\n`;
}

/** The start's entry: main.ts, and the switchboard the rest imports the start's modules through. */
export function startEntry(plan, root) {
  const dir = path.join(root, 'src');
  return { contents: `import './main.ts';\n${switchboard('startModule', plan.fromStart, dir, root)}`, resolveDir: dir, sourcefile: 'start-entry.js', loader: 'js' };
}

/** The rest's entry: the switchboard the start's dynamic imports come through. */
export function moreEntry(plan, root) {
  const dir = path.join(root, 'src');
  return { contents: switchboard('moreModule', plan.fromMore, dir, root), resolveDir: dir, sourcefile: 'more-entry.js', loader: 'js' };
}

/**
 * In one bundle's build, imports of modules that live in the other become a `require` of the other
 * bundle (a sibling in dist/, through the loader) and a question to its switchboard.
 */
export function acrossBundles(root, { other, ask, lives }) {
  return {
    name: 'across-bundles',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === 'across' || args.namespace === 'across' || !args.path.startsWith('.')) return undefined;
        if (!args.importer.startsWith(path.join(root, 'src'))) return undefined;
        const resolved = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: 'across' });
        const file = path.relative(root, resolved.path).split(path.sep).join('/');
        return lives(file) ? { path: file, namespace: 'across' } : undefined;
      });
      b.onResolve({ filter: /.*/, namespace: 'across' }, (args) => (args.path === `./${other}` ? { path: `./${other}`, external: true } : undefined));
      b.onLoad({ filter: /.*/, namespace: 'across' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(`./${other}`)}).${ask}(${JSON.stringify(args.path)});`,
        loader: 'js',
        resolveDir: root,
      }));
    },
  };
}

/** Fails the build if a module (of src/ or a library) is in both bundles: it would be two modules at run time. */
export function assertDisjoint(startMetafile, moreMetafile) {
  const inputsOf = (metafile) => new Set(Object.values(metafile.outputs).flatMap((output) => Object.keys(output.inputs)));
  const start = inputsOf(startMetafile);
  const both = [...inputsOf(moreMetafile)].filter((file) => start.has(file) && !file.startsWith('across:') && !file.startsWith('<stdin>'));
  if (both.length > 0) throw new Error(`scripts/core-split.mjs: in both bundles: ${both.join(', ')}`);
}
