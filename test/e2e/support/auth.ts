// Docker client configurations for the credential tests: a throwaway DOCKER_CONFIG folder per case,
// and fake `docker-credential-<name>` helpers (shell scripts on a private PATH folder) that record
// what they were asked. Nothing here touches ~/.docker.
import { existsSync } from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';

/** A temp dir removed when the current test finishes. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), prefix));
  onTestFinished(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });
  return dir;
}

/** A DOCKER_CONFIG folder; `config` becomes its config.json (none is written when undefined). */
export async function dockerConfigDir(config?: Record<string, unknown>): Promise<string> {
  const dir = await tempDir('cascade-docker-config-');
  if (config !== undefined) await fsp.writeFile(path.join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return dir;
}

/** `auths` entry as `docker login` writes it: base64 of `user:password`. */
export function authsEntry(user: string, password: string): { auth: string } {
  return { auth: Buffer.from(`${user}:${password}`).toString('base64') };
}

export type HelperAnswer =
  | { readonly kind: 'credentials'; readonly username: string; readonly secret: string }
  /** What helpers built on docker-credential-helpers print (exit 1) when they hold nothing for a server. */
  | { readonly kind: 'not-found' };

export interface CredentialHelper {
  /** `<name>` as written in credHelpers / credsStore. */
  readonly name: string;
  /** The executable: `<binDir>/docker-credential-<name>`. */
  readonly program: string;
  /** What the helper received on stdin, one entry per call (undefined entries never happen). */
  calls(): Promise<Array<{ args: string; stdin: string }>>;
}

const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * Writes an executable `docker-credential-<name>` into `binDir` that answers `get` as told and
 * appends each call (argv and stdin) to a log next to it. Put `binDir` first on PATH.
 */
export async function credentialHelper(binDir: string, name: string, answer: HelperAnswer): Promise<CredentialHelper> {
  const program = path.join(binDir, `docker-credential-${name}`);
  const log = path.join(binDir, `${name}.calls`);
  const reply =
    answer.kind === 'credentials'
      ? `printf '%s\\n' ${shellQuote(JSON.stringify({ ServerURL: 'set-below', Username: answer.username, Secret: answer.secret }))} | sed "s|set-below|$input|"`
      : `echo 'credentials not found in native keychain'; exit 1`;
  const script = [
    '#!/bin/bash',
    '# Fake credential helper written by the cascade-image e2e suite.',
    'input="$(cat)"',
    `{ printf 'ARGS %s\\n' "$*"; printf 'STDIN %s\\n' "$input"; } >> ${shellQuote(log)}`,
    'case "$1" in',
    `  get) ${reply} ;;`,
    '  list) echo "{}" ;;',
    '  *) echo "unsupported: $1" >&2; exit 2 ;;',
    'esac',
    '',
  ].join('\n');
  await fsp.writeFile(program, script, { mode: 0o755 });
  return {
    name,
    program,
    async calls() {
      if (!existsSync(log)) return [];
      const lines = (await fsp.readFile(log, 'utf8')).split('\n').filter((l) => l !== '');
      const out: Array<{ args: string; stdin: string }> = [];
      for (let i = 0; i + 1 < lines.length; i += 2) {
        out.push({ args: (lines[i] ?? '').replace(/^ARGS /, ''), stdin: (lines[i + 1] ?? '').replace(/^STDIN /, '') });
      }
      return out;
    },
  };
}

/** The store file and its SQLite companions (WAL, shared memory), as bytes. */
export async function storeBytes(db: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const file of [db, `${db}-wal`, `${db}-shm`, `${db}-journal`]) {
    if (existsSync(file)) parts.push(await fsp.readFile(file));
  }
  return Buffer.concat(parts);
}

/** The forms a secret could leak in: as is, and base64 of `user:secret` (the `auth` field / Basic header). */
export function secretForms(user: string, secret: string): string[] {
  return [secret, Buffer.from(`${user}:${secret}`).toString('base64')];
}

/** Where (by label) any of the secret forms occurs; [] when nowhere. */
export function leaksIn(forms: readonly string[], places: Record<string, string | Buffer>): string[] {
  const found: string[] = [];
  for (const [label, content] of Object.entries(places)) {
    const buffer = typeof content === 'string' ? Buffer.from(content) : content;
    for (const form of forms) if (buffer.includes(Buffer.from(form))) found.push(`${label} contains ${form === forms[0] ? 'the secret' : 'an encoded form of the secret'}`);
  }
  return found;
}
