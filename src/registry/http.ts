import { CascadeError, InterruptedError, RegistryUnavailableError } from '../errors.js';
import { AnswerProblem } from './answer.js';
import { isSafeUrl } from './hosts.js';
import { mebibytes, MAX_REDIRECTS, seconds } from './limits.js';

/**
 * One bounded HTTP exchange with a registry or its token service, over the injected `fetch`.
 * The deadline covers connecting, any redirects and reading the whole answer; the caller's signal
 * ends it at once. Transport failures become RegistryUnavailableError here, once; messages name the
 * host and path of the request, never its headers, query or body (they may carry a secret).
 */

export interface HttpContext {
  /** The registry's host[:port]: the errors are about it, whichever host was asked. */
  readonly host: string;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

export interface HttpRequest {
  readonly url: URL;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: URLSearchParams;
  /**
   * Follow redirects, to https (or loopback http) only, dropping Authorization when the origin
   * changes (a blob's storage host gets no registry token). Off for token requests: their
   * credentials must not be re-sent anywhere.
   */
  readonly follow?: boolean;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  /** Where the answer came from, after redirects. */
  readonly url: URL;
  /** The body, or AnswerProblem once it passes `limit` bytes (it is not read further). */
  read(limit: number): Promise<Uint8Array>;
  /** Drops the body unread, so the connection can be reused or closed. */
  discard(): Promise<void>;
}

export async function exchange(request: HttpRequest, context: HttpContext): Promise<HttpAnswer> {
  const deadline = AbortSignal.timeout(context.timeoutMs);
  const signal = context.signal === undefined ? deadline : AbortSignal.any([context.signal, deadline]);
  const what = describeRequest(request.method ?? 'GET', request.url, context.host);
  const fail = (error: unknown) => failure(error, what, context, deadline);
  const headers: Record<string, string> = { 'user-agent': 'cascade-image', ...request.headers };

  let url = request.url;
  for (let redirects = 0; ; redirects += 1) {
    let response: Response;
    try {
      response = await context.fetch(url, { method: request.method ?? 'GET', headers, body: request.body, redirect: 'manual', signal });
    } catch (error) {
      throw fail(error);
    }
    const location = response.headers.get('location');
    if (request.follow !== true || !REDIRECTS.has(response.status) || location === null) return answerOf(response, url, fail);
    await discardBody(response);
    if (redirects === MAX_REDIRECTS) throw new AnswerProblem(`more than ${MAX_REDIRECTS} redirects`);
    const next = URL.canParse(location, url.href) ? new URL(location, url) : undefined;
    if (next === undefined || !isSafeUrl(next)) throw new AnswerProblem('redirected to an address that is neither https nor loopback');
    if (next.origin !== url.origin) delete headers.authorization;
    url = next;
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function answerOf(response: Response, url: URL, fail: (error: unknown) => Error): HttpAnswer {
  return {
    status: response.status,
    headers: response.headers,
    url,
    read: async (limit) => {
      const declared = Number(response.headers.get('content-length') ?? 0);
      if (declared > limit) {
        await discardBody(response);
        throw new AnswerProblem(`larger than ${mebibytes(limit)} (${declared} bytes)`);
      }
      const reader = response.body?.getReader();
      if (reader === undefined) return new Uint8Array();
      const chunks: Uint8Array[] = [];
      let total = 0;
      try {
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
          total += chunk.value.byteLength;
          // Counted as it arrives: a missing or false Content-Length must not make us read on.
          if (total > limit) {
            await reader.cancel().catch(() => undefined);
            throw new AnswerProblem(`larger than ${mebibytes(limit)}`);
          }
          chunks.push(chunk.value);
        }
      } catch (error) {
        throw error instanceof AnswerProblem ? error : fail(error);
      }
      return new Uint8Array(Buffer.concat(chunks));
    },
    discard: () => discardBody(response),
  };
}

async function discardBody(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

/** "GET /v2/acme/worker/manifests/…", or with the host when it is not the registry's ("GET auth.docker.io/token"). */
export function describeRequest(method: string, url: URL, registryHost: string): string {
  return `${method} ${url.host === registryHost ? '' : url.host}${url.pathname}`;
}

function failure(error: unknown, what: string, context: HttpContext, deadline: AbortSignal): Error {
  // The caller's abort wins over whatever the cancelled request reported.
  if (context.signal?.aborted === true) return new InterruptedError(`${what} to registry ${context.host} was interrupted`);
  if (deadline.aborted) return new RegistryUnavailableError(context.host, `no answer to ${what} within ${seconds(context.timeoutMs)}`);
  if (error instanceof CascadeError) return error;
  const code = codeOf(error);
  // Only the code is kept, and the error as the cause only when it has one: a codeless fetch error
  // may quote a header value.
  return new RegistryUnavailableError(context.host, `${transportReason(code)} (${what})`, code === undefined ? {} : { cause: error });
}

/** The system or undici code of a failed fetch: on the error, or on its cause (fetch wraps it). */
function codeOf(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; typeof current === 'object' && current !== null && depth < 4; depth += 1) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string' && code !== '') return code;
    current = cause;
  }
  return undefined;
}

const TLS_CODE = /^(?:CERT_|ERR_TLS_|ERR_SSL_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_|EPROTO$)/;

function transportReason(code: string | undefined): string {
  if (code === undefined) return 'the request failed';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NONAME') return `its name does not resolve (${code})`;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return `the connection broke off (${code})`;
  if (code === 'ETIMEDOUT' || code.startsWith('UND_ERR_') && code.endsWith('_TIMEOUT')) return `the connection timed out (${code})`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `it cannot be reached (${code})`;
  if (TLS_CODE.test(code)) return `the TLS connection failed (${code})`;
  if (code.startsWith('HPE_')) return `it did not answer in HTTP (${code})`;
  return `the request failed (${code})`;
}
