// A `docker-credential-<name>` that fails and prints a secret: the marker on stdout (as half a
// credentials answer) and on stderr (as a debug line), then exit 1. It logs each call so a test
// can tell it really ran; the log holds no marker.
import { existsSync } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

export interface LeakyHelper {
  /** `<name>` as written in credHelpers / credsStore. */
  readonly name: string;
  /** How many times it was run with `get`. */
  calls(): Promise<number>;
}

const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

export async function leakyCredentialHelper(binDir: string, name: string, marker: string, exitStatus = 1): Promise<LeakyHelper> {
  const log = path.join(binDir, `${name}.calls`);
  const script = [
    '#!/bin/sh',
    '# Fake failing credential helper written by the cascade-image e2e suite.',
    'cat >/dev/null',
    `echo "$1" >> ${shellQuote(log)}`,
    `printf '%s\\n' ${shellQuote(`{"ServerURL":"x","Username":"ci","Secret":"${marker}"`)}`,
    `printf '%s\\n' ${shellQuote(`error: keychain answered ${marker} but it does not decrypt`)} >&2`,
    `exit ${exitStatus}`,
    '',
  ].join('\n');
  await fsp.writeFile(path.join(binDir, `docker-credential-${name}`), script, { mode: 0o755 });
  return {
    name,
    async calls() {
      if (!existsSync(log)) return 0;
      return (await fsp.readFile(log, 'utf8')).split('\n').filter((line) => line === 'get').length;
    },
  };
}
