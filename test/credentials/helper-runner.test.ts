import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CredentialsUnavailableError,
  DOCKER_HUB_KEY,
  createHelperRunner,
  lookupCredentials,
  readOptionalTextFile,
  type CredentialDeps,
} from '../../src/credentials/index.js';

// Real processes: a docker-credential-* shell script on a PATH of our making, run through execa.
const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';
const MARKER = 'MARKER-7f3c-helper-secret';
let root: string;
let bin: string;
let home: string;
let stdinFile: string;

function helper(name: string, body: string): void {
  const path = join(bin, `docker-credential-${name}`);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

function writeConfig(config: unknown): void {
  writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify(config));
}

function deps(options: { timeoutMs?: number } = {}): CredentialDeps {
  const env = { PATH: `${bin}:${SYSTEM_PATH}`, FAKE_STDIN_FILE: stdinFile };
  return {
    env: {},
    homedir: home,
    readFile: readOptionalTextFile,
    runHelper: createHelperRunner({ env, ...options }),
  };
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cascade-cred-'));
  bin = join(root, 'bin');
  home = join(root, 'home');
  stdinFile = join(root, 'stdin.txt');
  mkdirSync(bin);
  mkdirSync(join(home, '.docker'), { recursive: true });
  // Records its argument and stdin, then answers like docker-credential-helpers do.
  helper(
    'fake',
    [
      'printf %s "$1" > "$FAKE_STDIN_FILE.args"',
      'cat > "$FAKE_STDIN_FILE"',
      `printf '%s\\n' '{"ServerURL":"ignored","Username":"alice","Secret":"s3cret:with:colons"}'`,
    ].join('\n'),
  );
  helper('token', `cat >/dev/null\nprintf '%s' '{"ServerURL":"x","Username":"<token>","Secret":"refresh-tok"}'`);
  helper('empty', `cat >/dev/null\necho 'credentials not found in native keychain'\nexit 1`);
  helper('crash', `cat >/dev/null\necho '{"Secret":"leaked-secret"'\necho 'fatal: keyring locked' >&2\necho 'second line' >&2\nexit 3`);
  helper('slow', 'exec sleep 5');
  // Fails, printing a secret on both streams (as a helper echoing its keychain's answer might).
  helper('leaky', `cat >/dev/null\necho "Secret: ${MARKER}"\necho "error: cannot decrypt ${MARKER}" >&2\nexit 1`);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('createHelperRunner with a real docker-credential-fake', () => {
  it.each([
    ['registry.example.com:5000', 'registry.example.com:5000'],
    ['docker.io', DOCKER_HUB_KEY],
  ])('%s: the helper runs as `get` and receives %s on stdin', async (domain, serverUrl) => {
    writeConfig({ credsStore: 'fake' });
    const lookup = await lookupCredentials(domain, deps());
    expect(readFileSync(stdinFile, 'utf8')).toBe(serverUrl);
    expect(readFileSync(`${stdinFile}.args`, 'utf8')).toBe('get');
    expect(lookup).toEqual({
      registry: serverUrl,
      source: { kind: 'credsStore', helper: 'fake' },
      credential: { serveraddress: serverUrl, username: 'alice', password: 's3cret:with:colons' },
    });
  });

  it('<token> from a real helper becomes an identity token', async () => {
    writeConfig({ credHelpers: { 'ghcr.io': 'token' } });
    await expect(lookupCredentials('ghcr.io', deps())).resolves.toMatchObject({
      credential: { serveraddress: 'ghcr.io', identitytoken: 'refresh-tok' },
    });
  });

  it('"credentials not found" from a real helper is an anonymous pull', async () => {
    writeConfig({ credsStore: 'empty' });
    await expect(lookupCredentials('ghcr.io', deps())).resolves.toEqual({
      registry: 'ghcr.io',
      source: { kind: 'credsStore', helper: 'empty' },
      credential: undefined,
    });
  });

  it('a crashing helper: the error names it and its exit status, nothing of its output', async () => {
    writeConfig({ credsStore: 'crash' });
    const error = await lookupCredentials('ghcr.io', deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    expect((error as Error).message).toBe('credential helper docker-credential-crash exited with status 3');
    expect(JSON.stringify({ message: (error as Error).message, hint: (error as CredentialsUnavailableError).hint })).not.toMatch(/leaked-secret|keyring|second line/);
  });

  it.each([
    ['credHelpers', { credHelpers: { 'ghcr.io': 'leaky' } }],
    ['credsStore', { credsStore: 'leaky' }],
  ])('a helper (%s) that exits 1 printing a secret on stdout and stderr: the secret is nowhere in the error', async (_source, config) => {
    writeConfig(config);
    const error = await lookupCredentials('ghcr.io', deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    expect(error).toMatchObject({ message: 'credential helper docker-credential-leaky exited with status 1', exitCode: 69 });
    const everything = JSON.stringify({ message: (error as Error).message, hint: (error as CredentialsUnavailableError).hint, cause: String((error as Error).cause) });
    expect(everything).not.toContain(MARKER);
    expect(everything).not.toContain('decrypt');
  });

  it('a helper that is not installed: clear error', async () => {
    writeConfig({ credHelpers: { 'ghcr.io': 'missing' } });
    const error = await lookupCredentials('ghcr.io', deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    expect((error as Error).message).toBe('credential helper docker-credential-missing is not installed (not found on PATH)');
  });

  it('a helper that hangs is stopped by the timeout', async () => {
    writeConfig({ credsStore: 'slow' });
    const started = Date.now();
    const error = await lookupCredentials('ghcr.io', deps({ timeoutMs: 300 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    expect((error as Error).message).toContain('docker-credential-slow did not answer within');
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('a missing config file (real read) is anonymous without running anything', async () => {
    const lookup = await lookupCredentials('ghcr.io', { ...deps(), homedir: join(root, 'nobody') });
    expect(lookup).toEqual({ registry: 'ghcr.io', source: { kind: 'none' }, credential: undefined });
  });
});
