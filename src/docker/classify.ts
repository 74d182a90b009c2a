import { DockerFailure, type DockerFailureKind } from '../errors.js';
import { excerpt, printable } from './excerpt.js';

/**
 * The single place that reads engine and registry error text. Engines report registry failures
 * as prose (inside a 200 pull stream or as an HTTP error), so classification is by message.
 */
const PATTERNS: ReadonlyArray<readonly [DockerFailureKind, RegExp]> = [
  ['platform', /no matching manifest for|does not match the specified platform|image with reference .* was found but does not match/i],
  ['denied', /pull access denied|unauthorized|authentication required|denied:|forbidden|no basic auth credentials|incorrect username or password/i],
  ['not-found', /manifest unknown|manifest for .* not found|not found: manifest|repository .* not found|name unknown|: not found$|404 not found/i],
  [
    'registry-unreachable',
    /connection refused|no such host|i\/o timeout|dial tcp|network is unreachable|tls handshake timeout|context deadline exceeded|server misbehaving|connection reset by peer/i,
  ],
  ['no-bash', /"?bash"?: executable file not found|exec: "bash"|\/bin\/bash: no such file|bash: no such file or directory/i],
  ['image-missing', /no such image/i],
];

const ENGINE_DOWN_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'EPERM', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/** Node's codes for a TLS connection to the engine that could not be established or trusted. */
const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
]);

export function classifyMessage(message: string): DockerFailureKind {
  for (const [kind, pattern] of PATTERNS) if (pattern.test(message)) return kind;
  return 'other';
}

/**
 * Turns anything dockerode, Node or the engine threw for `what` ("the request to pull x") into a
 * DockerFailure. Never a blank reason: when the engine said nothing, the status and the call say it.
 */
export function translateDockerError(error: unknown, endpoint: string, what = 'a request'): DockerFailure {
  if (error instanceof DockerFailure) return error;
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const code = typeof record.code === 'string' ? record.code : '';
  const reason = (error instanceof Error ? error.message : String(error)).trim();
  if (isAbortError(error)) return new DockerFailure('aborted', `${what} was interrupted`, { cause: error });
  const status = typeof record.statusCode === 'number' ? record.statusCode : undefined;
  if (status !== undefined) return httpFailure(status, record.json, reason, { endpoint, what });
  if (TLS_CODES.has(code) || code.startsWith('ERR_SSL_')) {
    return new DockerFailure('engine-unavailable', `the TLS connection to the engine failed (${code}: ${reason || code}); check DOCKER_CERT_PATH and the engine's certificate`, {
      cause: error,
      endpoint,
    });
  }
  if (code.startsWith('HPE_')) {
    // Node's HTTP parser gave up: whatever listens there does not speak HTTP.
    return new DockerFailure('engine-unavailable', `it did not answer ${what} in HTTP (${code}): it does not look like a Docker engine`, { cause: error, endpoint });
  }
  if (ENGINE_DOWN_CODES.has(code)) {
    return new DockerFailure('engine-unavailable', describeConnectionError(code, what), { cause: error, endpoint });
  }
  const message = printable(reason.replace(/^\(HTTP code \d+\) [a-z ]+ - /i, '').trim());
  if (message === '') return new DockerFailure('other', `${what} failed and the engine gave no reason${code === '' ? '' : ` (${code})`}`, { cause: error, endpoint });
  return new DockerFailure(classifyMessage(message), message, { cause: error, endpoint });
}

/** An AbortError from Node or docker-modem: the request was cancelled on our side. */
export function isAbortError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'AbortError' || code === 'ABORT_ERR';
}

/**
 * The engine's own "no such image / container" (HTTP 404 with Docker's JSON error body), looked for
 * in a failure's cause too. A bare 404 from something that is not Docker is not one.
 */
export function isDockerNotFound(error: unknown): boolean {
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  if (record.statusCode === 404) return dockerMessageOf(record.json) !== undefined;
  return error instanceof DockerFailure && error.cause !== undefined && isDockerNotFound(error.cause);
}

/** Docker answers every API error with `{"message": "…"}`; anything else did not come from Docker. */
function dockerMessageOf(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null || Buffer.isBuffer(json) || Array.isArray(json)) return undefined;
  const message = (json as { message?: unknown }).message;
  return typeof message === 'string' ? message.trim() : undefined;
}

function httpFailure(status: number, json: unknown, reason: string, context: { endpoint: string; what: string }): DockerFailure {
  const { endpoint, what } = context;
  // The cause keeps what isDockerNotFound reads, but not docker-modem's message, which holds the raw body.
  const cause = Object.assign(new Error(`HTTP ${status}`), { statusCode: status, json });
  const message = dockerMessageOf(json);
  if (message !== undefined && message !== '') return new DockerFailure(classifyMessage(message), printable(message), { cause, endpoint });
  if (message === '') return new DockerFailure('other', `the engine answered HTTP ${status} to ${what} with an empty error message`, { cause, endpoint });
  if (status === 404) return new DockerFailure('engine-unavailable', `it answered HTTP 404 to ${what}: it does not look like a Docker engine`, { cause, endpoint });
  const body = bodyText(json, reason);
  return new DockerFailure(
    'engine-unavailable',
    `it answered HTTP ${status} to ${what} without a Docker error message (${body === '' ? 'empty body' : excerpt(body)}): it does not look like a Docker engine`,
    { cause, endpoint },
  );
}

/** What a non-Docker error answer said: its raw body, else what docker-modem made of it. */
function bodyText(json: unknown, reason: string): string {
  if (Buffer.isBuffer(json)) return json.toString('utf8').trim();
  if (json !== null && json !== undefined) return JSON.stringify(json);
  return reason.replace(/^\(HTTP code \d+\) [a-z ]+ - /i, '').trim();
}

/** The engine's wording for a registry connection that broke off (the registry died or reset it). */
const BROKE_OFF = /(?:^|: )(?:unexpected )?EOF$|connection reset by peer|broken pipe/i;

/** An error event inside a 200 pull stream (`{"error": …, "errorDetail": {"message": …}}`). */
export function pullStreamFailure(message: string): DockerFailure {
  const text = message.trim();
  if (text === '') return new DockerFailure('other', 'the engine reported a pull error without saying what went wrong');
  if (BROKE_OFF.test(text)) return new DockerFailure('registry-unreachable', `the registry connection broke off during the pull (${printable(text)})`);
  return new DockerFailure(classifyMessage(text), printable(text));
}

/** How far a layer got, from the engine's pull status wording (read here and nowhere else). */
export function pullPhase(status: string): 'downloading' | 'done' | 'other' {
  if (status.startsWith('Downloading')) return 'downloading';
  if (/^(Download complete|Pull complete|Already exists)/.test(status)) return 'done';
  return 'other';
}

/** The manifest digest a pull announces ("Digest: sha256:…"), if this status line is that. */
export function announcedDigest(status: string): string | undefined {
  return /^Digest: (\S+)/.exec(status)?.[1];
}

function describeConnectionError(code: string, what: string): string {
  switch (code) {
    case 'ENOENT':
      return 'no engine socket there (ENOENT); is dockerd running?';
    case 'ECONNREFUSED':
      return 'connection refused (ECONNREFUSED); is dockerd running and listening there?';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code}); run as a user in the docker group or point DOCKER_HOST elsewhere`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `the engine closed the connection during ${what} (${code})`;
    default:
      return `the connection failed (${code})`;
  }
}
