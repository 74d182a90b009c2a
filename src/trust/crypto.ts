import { createRequire } from 'node:module';

let loaded: typeof import('node:crypto') | undefined;

/** node:crypto, required on first use: loading it costs a visible share of a short command's start, and most commands check no signature. */
export function nodeCrypto(): typeof import('node:crypto') {
  loaded ??= createRequire(import.meta.filename)('node:crypto') as typeof import('node:crypto');
  return loaded;
}
