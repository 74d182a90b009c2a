// The esbuild settings every bundle of dist/ is built with (scripts/build.mjs), kept apart so
// that the bench's start-up anatomy (test/bench/startup-anatomy.mjs) builds its probes exactly
// as the product is built.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const dist = path.join(root, 'dist');
const lazyHelper = path.join(root, 'scripts', 'lazy-module.cjs');
export const libRequire = createRequire(path.join(root, 'package.json'));

/** A file inside an installed library (found from its main module: not every library exports its internals). */
export function libFile(pkg, file) {
  const fromRoot = libRequire.resolve(pkg);
  let dir = path.dirname(fromRoot);
  while (!existsSync(path.join(dir, 'package.json')) || JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).name !== pkg) dir = path.dirname(dir);
  return path.join(dir, file);
}

/** Vendor bundles: name → what the bundle exports (kysely: only what src/ uses). */
export const VENDOR = {
  dockerode: "module.exports = require('dockerode');",
  'docker-ssh': "module.exports = require('docker-modem/lib/ssh.js');",
  'dockerode-session': "module.exports = require('dockerode/lib/session.js');",
  'dockerode-buildkit': "module.exports = require('dockerode/lib/buildkit.js');",
  kysely: "export { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';",
  // node-postgres, loaded only for a postgres:// store.
  pg: "module.exports = require('pg');",
  zod: "export * from 'zod';",
  yaml: "export * from 'yaml';",
  execa: "export * from 'execa';",
  'cli-progress': "module.exports = require('cli-progress');",
  // src/ imports ora dynamically, which reads a CommonJS bundle's exports as the default.
  ora: "module.exports = require('ora').default;",
};

/** A bare import of one of these, from src/, is the vendor bundle of that name. */
const VENDORED_IMPORTS = ['dockerode', 'kysely', 'pg', 'zod', 'yaml', 'execa', 'cli-progress', 'ora'];

/** Library files whose requires of these modules become vendor bundles of their own. */
const SPLIT = {
  [libFile('docker-modem', 'lib/ssh.js')]: 'docker-ssh',
  [libFile('dockerode', 'lib/session.js')]: 'dockerode-session',
  [libFile('dockerode', 'lib/buildkit.js')]: 'dockerode-buildkit',
};

/** Top-level requires that most runs never use: `require(x)` becomes a stand-in loading x on first touch. */
const LAZY = {
  [libFile('dockerode', 'lib/docker.js')]: ["require('./session')"],
  // ssh2 only for ssh:// engines; the userland streams of http_duplex only for hijacked connections.
  [libFile('docker-modem', 'lib/modem.js')]: ["require('./ssh')", "require('./http_duplex')"],
  // https (and through it tls and crypto) only for a TLS engine; gzip only for building images.
  [libFile('docker-modem', 'lib/http.js')]: ["require('https')"],
  // tar-fs, dockerignore and zlib only for building images and archives, which we never do.
  [libFile('dockerode', 'lib/util.js')]: ["require('zlib')", "require('tar-fs')", "require('@balena/dockerignore')"],
  [libFile('commander', 'lib/command.js')]: ["require('node:child_process')"],
};

/**
 * Work a library does for a log nobody reads: each text is replaced as given. docker-modem formats
 * every request's options with util.inspect for its `debug` log, enabled or not (~0.2 ms a
 * request, on the path of every validation).
 */
const REWRITE = {
  [libFile('docker-modem', 'lib/modem.js')]: [["debug('Sending: %s', util.inspect(", "debug.enabled && debug('Sending: %s', util.inspect("]],
  // debug asks whether stderr is a terminal by creating process.stderr (a stream, and for a pipe a
  // socket: ~1-3 ms, on every validation's path) only to read its fd; fd 2 is that fd.
  [libFile('debug', 'src/node.js')]: [['tty.isatty(process.stderr.fd)', 'tty.isatty(2)']],
};

export const vendorPath = (name, distDir = dist) => path.join(distDir, 'vendor', `${name}.cjs`);

/**
 * Resolves vendored libraries and split-off files to their bundle, kept external (a runtime
 * require). `distDir`: the dist/ folder the bundle `self` is written to.
 */
export function bundleBoundaries(self, distDir = dist) {
  return {
    name: 'bundle-boundaries',
    setup(b) {
      const external = (importer, name) => {
        const relative = path.relative(path.dirname(self), vendorPath(name, distDir));
        return { path: relative.startsWith('.') ? relative : `./${relative}`, external: true };
      };
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === 'resolving' || args.kind === 'entry-point') return undefined;
        if (VENDORED_IMPORTS.includes(args.path) && args.importer.startsWith(path.join(root, 'src'))) return external(args.importer, args.path);
        if (!args.path.startsWith('.')) return undefined;
        const resolved = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: 'resolving' });
        const name = SPLIT[resolved.path];
        return name === undefined || vendorPath(name, distDir) === self ? undefined : external(args.importer, name);
      });
      b.onLoad({ filter: /\.js$/ }, (args) => {
        const lazy = LAZY[args.path] ?? [];
        const rewrites = REWRITE[args.path] ?? [];
        if (lazy.length === 0 && rewrites.length === 0) return undefined;
        let contents = readFileSync(args.path, 'utf8');
        const replace = (from, to, table) => {
          if (!contents.includes(from)) throw new Error(`${args.path} no longer contains ${from}: revisit ${table} in scripts/build.mjs`);
          contents = contents.replace(from, to);
        };
        for (const call of lazy) replace(call, `require(${JSON.stringify(lazyHelper)})(() => ${call})`, 'LAZY');
        for (const [from, to] of rewrites) replace(from, to, 'REWRITE');
        return { contents, loader: 'js' };
      });
    },
  };
}

/**
 * chalk detects colour support at import (loading `tty` and asking both streams); we always pass
 * the level ourselves (render/output.ts), so its detection is replaced by "none" in the core.
 */
export const noColorDetection = {
  name: 'no-color-detection',
  setup(b) {
    b.onResolve({ filter: /^#supports-color$/ }, () => ({ path: 'supports-color', namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'export default { stdout: false, stderr: false };', loader: 'js' }));
  },
};

export const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  sourcesContent: false,
  // Smaller bundles are read, hashed and held faster on every start; the source maps give
  // stack traces their src/ positions back (src/boot/stack-traces.ts).
  minify: true,
  legalComments: 'none',
  // import() of a split-off bundle must go through the loader's require, not Node's ESM loader.
  supported: { 'dynamic-import': false },
  logLevel: 'warning',
  // ESM sources name their own file by import.meta.filename / dirname: in a bundle, the bundle's.
  define: { 'import.meta.filename': '__filename', 'import.meta.dirname': '__dirname' },
  // Optional native speed-ups that their libraries' own code falls back from when absent (ssh2's
  // cpu-features; pg-native, which pg requires only when asked for its native client).
  external: ['cpu-features', 'pg-native', '*.node'],
};

/** Every bundle but the loader's own: the function expression the loader compiles (src/boot/bundle-format.ts). */
export function framing(boot) {
  return { banner: { js: boot.BUNDLE_BANNER }, footer: { js: boot.BUNDLE_FOOTER } };
}

/** Our code keeps its names (only whitespace and syntax are minified): they are the function names in our stack traces. */
export function ourCode(framed) {
  return { ...framed, minify: false, minifyWhitespace: true, minifySyntax: true };
}
