#!/usr/bin/env node
// Thin launcher: the compiled entry module owns the process (argv, env, exit code).
import '../dist/main.js';
