#!/usr/bin/env node
// Installs the package the way a user gets it: `npm pack` the built tree, then `npm install` the
// tarball into a fresh folder, .tmp/installed/. The e2e suite and the bench run the
// `cascade-image` binary from there (.tmp/installed/node_modules/.bin/cascade-image), never dist/ in place,
// so what they measure is what ships: the files list, the bin entry, the dependencies.
//
// The dependencies' node_modules (better-sqlite3, compiled from source: about two minutes) is
// kept from the previous install in .tmp/installed-deps/ and copied into the fresh folder when
// the runtime dependencies and the Node version are the same; the package itself is always
// installed anew. CI starts from a clean clone, so it installs everything.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = path.join(root, '.tmp');
const target = path.join(tmp, 'installed');
const depsCache = path.join(tmp, 'installed-deps');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));

const npm = (args, cwd) => execFileSync('npm', args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

// What the kept node_modules depends on: the pinned versions of the runtime dependencies, and Node's ABI.
const depsKey = createHash('sha256')
  .update(JSON.stringify([process.versions.modules, process.arch, Object.keys(pkg.dependencies).map((name) => [name, lock.packages[`node_modules/${name}`]?.version])]))
  .digest('hex');

mkdirSync(tmp, { recursive: true });
const tarball = path.join(tmp, npm(['pack', '--silent', '--pack-destination', tmp], root).trim().split('\n').at(-1));

rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
writeFileSync(path.join(target, 'package.json'), `${JSON.stringify({ name: 'cascade-image-install', private: true, allowScripts: { 'better-sqlite3': true } }, null, 2)}\n`);
const kept = existsSync(path.join(depsCache, 'key')) && readFileSync(path.join(depsCache, 'key'), 'utf8') === depsKey;
if (kept) cpSync(path.join(depsCache, 'node_modules'), path.join(target, 'node_modules'), { recursive: true, verbatimSymlinks: true });
npm(['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-save', tarball], target);
rmSync(tarball);

if (!kept) {
  // Keep everything but the package itself for the next install.
  const staging = `${depsCache}.${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  cpSync(path.join(target, 'node_modules'), path.join(staging, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  rmSync(path.join(staging, 'node_modules', pkg.name), { recursive: true, force: true });
  rmSync(path.join(staging, 'node_modules', '.bin', pkg.name), { force: true });
  writeFileSync(path.join(staging, 'key'), depsKey);
  rmSync(depsCache, { recursive: true, force: true });
  renameSync(staging, depsCache);
}
console.log(`installed ${pkg.name}@${pkg.version} into ${path.relative(root, target)}${kept ? ' (dependencies kept from the last install)' : ''}`);
