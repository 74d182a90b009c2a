import { CascadeError, ForbiddenError, StoreUnavailableError } from '../../errors.js';
import type { PostgresLocation } from '../../config/store-location.js';
import { DamagedContentError } from '../stored-json.js';

/**
 * The one place that reads node-postgres's errors (SQLSTATE codes, socket codes); everything else
 * sees our errors. Messages name the server and database as `shown`, never the URL, which may
 * hold a password; the server's own messages never contain it.
 */
export function translatePgError(error: unknown, location: PostgresLocation): CascadeError {
  if (error instanceof CascadeError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const message = error instanceof Error ? error.message : String(error);
  const where = `the PostgreSQL store ${location.shown} (schema ${location.schema})`;
  const server = `the PostgreSQL server at ${location.host} (database ${location.database})`;
  // A stored value that does not read back (a hand edit, another tool): said as damage, as on SQLite.
  if (error instanceof DamagedContentError) {
    return new StoreUnavailableError(`${where} is damaged: ${message}`, {
      cause: error,
      hint: 'restore the schema from a backup (pg_dump), or point --db / CASCADE_IMAGE_DB at another store; this one was left untouched',
    });
  }
  if (isConnectionLost(error)) {
    return new StoreUnavailableError(`${server} cannot be reached: ${connectionReason(code, message)}`, {
      cause: error,
      hint: 'check that the server runs and that --db / CASCADE_IMAGE_DB names the right host and port',
    });
  }
  // node-postgres's own words when the server asks for a password (SCRAM) and none was given.
  if (/client password must be a string|SASL: .*password/i.test(message)) {
    return new StoreUnavailableError(`${server} asks role ${location.role} for a password, and none was given`, {
      cause: error,
      fix: PASSWORD_FIX,
    });
  }
  switch (code) {
    case '28P01':
      return new StoreUnavailableError(`${server} refused role ${location.role}: password authentication failed`, {
        cause: error,
        fix: PASSWORD_FIX,
      });
    case '28000':
      // No pg_hba.conf line lets this role in from here (or, under trust, the role does not exist): the server's message says which.
      return new StoreUnavailableError(`${server} refused role ${location.role}: ${message}`, {
        cause: error,
        fix: `let the server's administrator admit role ${location.role} from this host (pg_hba.conf), or connect as a role it admits`,
      });
    case '3D000':
      return new StoreUnavailableError(`${server}: the database ${location.database} does not exist`, {
        cause: error,
        fix: `create it (${createdbCommand(location)}), or name an existing database in the URL`,
      });
    case '53300':
      // Too many connections (for the server, or for this role's CONNECTION LIMIT).
      return new StoreUnavailableError(`${server} refused a connection for role ${location.role}: ${message}`, {
        cause: error,
        hint: 'retry in a moment; if it persists, look for processes holding connections (pg_stat_activity) or raise the limit',
      });
    // Raised by our own triggers (migrations 0001 and 0005), by code: the message is the server's.
    case 'CIVWR':
      return new ForbiddenError(location.role, 'superadmin');
    case 'CIOPR':
      return new ForbiddenError(location.role, 'operator');
    case 'CIAPP':
      return new StoreUnavailableError(`${where} refused the write: the audit log is append-only`, { cause: error });
    case '42501':
      return new StoreUnavailableError(`the PostgreSQL server refused role ${location.role}: ${message}`, {
        cause: error,
        hint: `let the store's owner grant it: GRANT USAGE ON SCHEMA ${location.schema} TO ${location.role}`,
      });
    case '57014':
      return new StoreUnavailableError(`${where}: a statement ran past its time limit and was cancelled`, { cause: error, hint: 'retry; if it persists, look for a long transaction holding the store (pg_stat_activity)' });
    case '55P03':
      // lock_timeout: the write lock, or a table or row another session holds in a transaction.
      return new StoreUnavailableError(`${where} stayed locked by another session (another cascade-image, or a long transaction on its tables): gave up waiting`, {
        cause: error,
        hint: 'retry in a moment; if it persists, look for the session holding it (pg_stat_activity, pg_locks)',
      });
    case '3F000':
      return new StoreUnavailableError(`${where}: the schema ${location.schema} does not exist`, { cause: error, fix: `let a superadmin create it by running any change against ${location.shown}` });
  }
  if (code === 'SELF_SIGNED_CERT_IN_CHAIN' || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new StoreUnavailableError(`${server}: its TLS certificate is not trusted (${code})`, { cause: error, hint: 'give the CA that signed it in sslrootcert=… of the URL (node-postgres verifies the certificate for every sslmode but no-verify)' });
  }
  if (/server does not support SSL/i.test(message)) {
    return new StoreUnavailableError(`${server} does not offer TLS, and the URL requires it`, { cause: error, fix: 'enable ssl on the server, or ask for no TLS (sslmode in the URL or PGSSLMODE)' });
  }
  return new StoreUnavailableError(`${where} failed: ${message}${code === '' ? '' : ` (${code})`}`, { cause: error });
}

const PASSWORD_FIX = "give the role's password in PGPASSWORD, ~/.pgpass or the URL (postgres://role:password@host/db)";

/** The createdb command for the location's server: host and port as the URL named them (a default port left out). */
function createdbCommand(location: PostgresLocation): string {
  const match = /^(.*):(\d+)$/.exec(location.host);
  const host = (match?.[1] ?? location.host).replace(/^\[(.*)\]$/, '$1');
  const port = match?.[2];
  return ['createdb', '-h', host, ...(port === undefined || port === '5432' ? [] : ['-p', port]), location.database].join(' ');
}

/**
 * Errors a write that is safe to repeat may be retried after: the connection was lost, or the
 * server refused one for now (too many connections, starting up). Never one the server answered
 * about the write itself.
 */
export function isTransient(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  return isConnectionLost(error) || code === '53300';
}

/**
 * A write of a validation's result (its verdict, its remembered smoke result) that was retried for
 * `waitedMs` while the server could not be reached, and never landed: the error as translated,
 * saying so, and how the run is finished once the server answers again.
 */
export function retriesExhausted(error: unknown, location: PostgresLocation, waitedMs: number): CascadeError {
  const translated = translatePgError(error, location);
  return new StoreUnavailableError(`${translated.message} (retried for ${Math.round(waitedMs / 1000)}s)`, {
    cause: error,
    hint: 'the validation result was not stored and its run stays pending: once the server answers again, `cascade-image validate --stale` validates it again',
  });
}

/** Errors after which the connection is gone (the server restarted, the network dropped): a retry may get a new one. */
export function isConnectionLost(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const message = error instanceof Error ? error.message : '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004'].includes(code) ||
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended/i.test(message)
  );
}

function connectionReason(code: string, message: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the server running?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case '57P01':
      // admin_shutdown: a fast shutdown, or pg_terminate_backend() on this connection.
      return 'the server closed the connection (shut down, or the session was terminated by an administrator)';
    case '57P02':
      return 'the server crashed and closed the connection';
    case '57P03':
      return 'the server is starting up or shutting down';
    default:
      return /timeout/i.test(message) ? 'no answer in time' : code === '' ? message : `${message} (${code})`;
  }
}
