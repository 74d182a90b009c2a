import { DockerFailure, type DockerFailureKind } from '../errors.js';

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

/** Turns anything dockerode or the engine threw into a DockerFailure. */
export function translateDockerError(error: unknown, endpoint: string): DockerFailure {
  if (error instanceof DockerFailure) return error;
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const code = typeof record.code === 'string' ? record.code : '';
  if ((TLS_CODES.has(code) || code.startsWith('ERR_SSL_')) && record.statusCode === undefined) {
    const reason = error instanceof Error ? error.message : code;
    return new DockerFailure('engine-unavailable', `the TLS connection to the engine failed (${code}: ${reason}); check DOCKER_CERT_PATH and the engine's certificate`, {
      cause: error,
      endpoint,
    });
  }
  if (ENGINE_DOWN_CODES.has(code) && record.statusCode === undefined) {
    return new DockerFailure('engine-unavailable', describeConnectionError(code), { cause: error, endpoint });
  }
  const json = record.json as { message?: unknown } | null | undefined;
  const text =
    (json !== null && typeof json === 'object' && typeof json.message === 'string' ? json.message : undefined) ??
    (error instanceof Error ? error.message : String(error));
  const message = text.replace(/^\(HTTP code \d+\) [a-z ]+ - /i, '').trim();
  return new DockerFailure(classifyMessage(message), message, { cause: error, endpoint });
}

/** How far a layer got, from the engine's pull status wording (read here and nowhere else). */
export function pullPhase(status: string): 'downloading' | 'done' | 'other' {
  if (status.startsWith('Downloading')) return 'downloading';
  if (/^(Download complete|Pull complete|Already exists)/.test(status)) return 'done';
  return 'other';
}

function describeConnectionError(code: string): string {
  switch (code) {
    case 'ENOENT':
      return 'no engine socket there (ENOENT); is dockerd running?';
    case 'ECONNREFUSED':
      return 'connection refused (ECONNREFUSED); is dockerd running and listening there?';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code}); run as a user in the docker group or point DOCKER_HOST elsewhere`;
    default:
      return `the connection failed (${code})`;
  }
}
