#!/usr/bin/env node
'use strict';
// The installed command: runs dist/cascade-image.cjs (src/main.ts, which owns the process from
// there) through the code-cache loader, and writes the caches this run lacked at exit.
const path = require('node:path');
const { BundleLoader, cacheDirectory, commandWord, mapStackTraces, runtimeKey } = require('../dist/boot.cjs');

const dist = path.join(__dirname, '..', 'dist');
mapStackTraces((file) => file.startsWith(dist + path.sep));

// The command, as the program reads it: each has a code cache of its own.
const command = commandWord(process.argv.slice(2)) ?? '';
const loader = new BundleLoader({
  cacheDir: cacheDirectory(process.env),
  runtimeKey: runtimeKey({
    version: process.version,
    v8: process.versions.v8,
    arch: process.arch,
    execArgv: process.execArgv,
    nodeOptions: process.env.NODE_OPTIONS,
  }),
  pid: process.pid,
  command,
});
process.once('exit', () => loader.saveCaches());
loader.load(path.join(dist, 'cascade-image.cjs'));
