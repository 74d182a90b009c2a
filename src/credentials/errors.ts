import { CascadeError, ExitCode } from '../errors.js';

/**
 * Registry credentials could not be determined: the docker config file is unreadable or
 * malformed, or a credential helper is missing, crashed or printed garbage.
 *
 * Exit code 69 (EX_UNAVAILABLE), like the engine and store errors: a pull cannot go ahead
 * without the credentials the operator configured, and silently pulling anonymously
 * instead would turn a local keychain problem into a confusing "access denied" later.
 *
 * Messages never carry a secret or any of a helper's output, stdout or stderr (either may hold
 * one); and no JSON.parse or child-process error is kept as a cause: those quote the input or the
 * child's output.
 */
export class CredentialsUnavailableError extends CascadeError {
  readonly code = 'CREDENTIALS_UNAVAILABLE';
  readonly exitCode = ExitCode.unavailable;
}
