import { CascadeError, ForbiddenError, StoreUnavailableError } from '../../errors.js';
import type { PostgresLocation } from '../../config/store-location.js';

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
  if (isConnectionLost(error)) {
    return new StoreUnavailableError(`${server} cannot be reached: ${connectionReason(code, message)}`, {
      cause: error,
      hint: 'check that the server runs and that --db / CASCADE_IMAGE_DB names the right host and port',
    });
  }
  switch (code) {
    case '28P01':
    case '28000':
      return new StoreUnavailableError(`${server} refused role ${location.role}: password authentication failed`, {
        cause: error,
        fix: "give the role's password in PGPASSWORD, ~/.pgpass or the URL (postgres://role:password@host/db)",
      });
    case '3D000':
      return new StoreUnavailableError(`${server}: the database ${location.database} does not exist`, {
        cause: error,
        fix: `create it (createdb -h ${location.host.replace(/:\d+$/, '')} ${location.database}), or name an existing database in the URL`,
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
      return new StoreUnavailableError(`${where} stayed locked by another cascade-image process`, { cause: error, hint: 'retry in a moment; if it persists, look for a stuck process holding the store (pg_stat_activity)' });
    case '3F000':
      return new StoreUnavailableError(`${where}: the schema ${location.schema} does not exist`, { cause: error, fix: `let a superadmin create it by running any change against ${location.shown}` });
  }
  if (code === 'SELF_SIGNED_CERT_IN_CHAIN' || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new StoreUnavailableError(`${server}: its TLS certificate is not trusted (${code})`, { cause: error, hint: 'give the CA in sslrootcert=… of the URL, or use sslmode=require to encrypt without verifying' });
  }
  if (/server does not support SSL/i.test(message)) {
    return new StoreUnavailableError(`${server} does not offer TLS, and the URL requires it`, { cause: error, fix: 'enable ssl on the server, or drop sslmode=require from the URL' });
  }
  return new StoreUnavailableError(`${where} failed: ${message}${code === '' ? '' : ` (${code})`}`, { cause: error });
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
    case '57P02':
    case '57P03':
      return 'the server is shutting down or starting up';
    default:
      return /timeout/i.test(message) ? 'no answer in time' : code === '' ? message : `${message} (${code})`;
  }
}
