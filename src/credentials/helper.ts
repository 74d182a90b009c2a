import { CascadeError } from '../errors.js';
import { CredentialsUnavailableError } from './errors.js';
import type { CredentialDeps, RegistryCredential } from './types.js';

/** The docker-credential-helpers protocol: Username `<token>` means Secret is an identity token. */
const TOKEN_USERNAME = '<token>';
/** What every helper built on docker-credential-helpers prints when it holds nothing for a server. */
const NOT_FOUND_MESSAGE = 'credentials not found in native keychain';
const DEFAULT_TIMEOUT_MS = 10_000;

// Helper names are joined onto "docker-credential-" and looked up on PATH; a slash or a space
// would make that a path or a different program, so anything outside this set is refused.
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

export function helperProgram(helper: string): string {
  return `docker-credential-${helper}`;
}

export function checkHelperName(helper: string, origin: string): string {
  if (!HELPER_NAME.test(helper)) {
    throw new CredentialsUnavailableError(`${origin} names an invalid credential helper ${JSON.stringify(helper)}`, {
      hint: 'a helper is the <name> of a docker-credential-<name> program on PATH, e.g. "pass" or "desktop"',
    });
  }
  return helper;
}

/**
 * Asks `docker-credential-<helper> get` for `serverAddress`, as the docker CLI does. Resolves
 * undefined when the helper holds nothing for it (anonymous pull), throws
 * CredentialsUnavailableError on any other failure.
 *
 * A helper's output is read only for the credentials JSON and the "credentials not found" answer;
 * none of it ever goes into a message. A failing helper can print anything, secrets included
 * (its own stdout echoed, a token in a debug line), and a message lands in the stored reason, the
 * run history and the audit log: so a failure says which helper and how it exited, nothing more.
 */
export async function credentialFromHelper(
  helper: string,
  serverAddress: string,
  runHelper: CredentialDeps['runHelper'],
): Promise<RegistryCredential | undefined> {
  const program = helperProgram(helper);
  const hint = `its output is not shown (it may hold a secret); check the helper works: ${program} list (it prints server addresses and user names, no secrets)`;
  let result: Awaited<ReturnType<CredentialDeps['runHelper']>>;
  try {
    result = await runHelper(program, serverAddress);
  } catch (error) {
    if (error instanceof CascadeError) throw error;
    // No cause kept: a process library's error can quote the child's output.
    throw new CredentialsUnavailableError(`credential helper ${program} could not be run`, { hint });
  }

  const notFound = result.stdout.includes(NOT_FOUND_MESSAGE) || result.stderr.includes(NOT_FOUND_MESSAGE);
  if (result.exitCode !== 0) {
    if (notFound) return undefined;
    throw new CredentialsUnavailableError(`credential helper ${program} exited with status ${result.exitCode}`, { hint });
  }

  const parsed = parseHelperOutput(result.stdout);
  if (parsed === undefined) {
    if (notFound) return undefined;
    throw new CredentialsUnavailableError(
      `credential helper ${program} printed something that is not credentials JSON for ${serverAddress} (not shown: it may hold a secret)`,
      { hint },
    );
  }
  const { username, secret } = parsed;
  if (username === TOKEN_USERNAME) {
    return secret === '' ? undefined : { serveraddress: serverAddress, identitytoken: secret };
  }
  if (username === '' && secret === '') return undefined;
  return {
    serveraddress: serverAddress,
    ...(username === '' ? {} : { username }),
    ...(secret === '' ? {} : { password: secret }),
  };
}

function parseHelperOutput(stdout: string): { username: string; secret: string } | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const { Username: username = '', Secret: secret = '' } = raw as Record<string, unknown>;
  if (typeof username !== 'string' || typeof secret !== 'string') return undefined;
  return { username, secret };
}

export interface HelperRunnerOptions {
  /**
   * The helper's whole environment (PATH for finding it, HOME, GNUPGHOME, DBUS_SESSION_BUS_ADDRESS…).
   * Default: this process's environment.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs?: number;
}

/**
 * The real `runHelper`: `docker-credential-<name> get` with the server address on stdin.
 * A non-zero exit resolves (the caller decides what it means); a helper that is missing,
 * hangs or is killed rejects with CredentialsUnavailableError.
 */
export function createHelperRunner(options: HelperRunnerOptions = {}): CredentialDeps['runHelper'] {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return async (program, input) => {
    // Loaded on first use: most pulls need no helper, and execa costs more to load than a pull's bookkeeping.
    const { execa } = await import('execa');
    const result = await execa(program, ['get'], {
      input,
      reject: false,
      timeout,
      // An explicit env replaces ours entirely, so tests and callers control exactly what the helper sees.
      ...(options.env === undefined ? {} : { env: options.env, extendEnv: false }),
    });
    if (result.code === 'ENOENT') {
      throw new CredentialsUnavailableError(`credential helper ${program} is not installed (not found on PATH)`, {
        hint: `install ${program}, or remove it from credHelpers/credsStore in your docker config.json`,
      });
    }
    if (result.timedOut) {
      throw new CredentialsUnavailableError(`credential helper ${program} did not answer within ${Math.round(timeout / 1000)}s`, {
        hint: `a keychain may be waiting for a password or a GUI prompt; try: ${program} list`,
      });
    }
    if (result.exitCode === undefined) {
      // Killed by a signal, or not runnable (EACCES…); execa's message names the command, not its output.
      const why = result.signal ?? result.code ?? 'unknown reason';
      throw new CredentialsUnavailableError(`credential helper ${program} could not be run (${why})`, {
        hint: `check that ${program} is an executable on PATH`,
      });
    }
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  };
}
