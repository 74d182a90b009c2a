import type { IncomingMessage } from 'node:http';
import type Docker from 'dockerode';
import type { RegistryAuth } from '../ports/docker.js';

/**
 * One HTTP request to the engine API through docker-modem's `dial`, which owns the connection
 * (unix socket, TCP/TLS, ssh). We dial ourselves rather than through dockerode's method wrappers
 * because several of them get in the way at this boundary: image inspect drops `abortSignal`,
 * createContainer hides the answer behind a Container object, and the streaming calls (pull,
 * attach) throw an error answer's body away. Paths and options are the ones dockerode sends.
 */
export interface EngineRequest {
  readonly path: string;
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** The query (a path ending in `?`) and, for POST, also the JSON body: docker-modem sends both. */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Sent as X-Registry-Auth (docker-modem keeps it out of the URL). */
  readonly auth?: RegistryAuth;
}

type Modem = Docker['modem'];

const SUCCESS = { 200: true, 201: true, 204: true } as const;
/** For streams every status is "success" to docker-modem, so the error body reaches us (see requestStream). */
const ANY_STATUS: Readonly<Record<number, true>> = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [i + 100, true]));
/** Enough of an error body to quote; an engine that streams more is not sending an error message. */
const ERROR_BODY_LIMIT = 64 * 1024;

/**
 * A JSON answer: the parsed body, or the raw Buffer when it was not JSON (docker-modem's way).
 * A non-2xx status rejects with docker-modem's error (`statusCode`, `json`).
 */
export function requestJson(modem: Modem, request: EngineRequest, signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve, reject) => {
    modem.dial(dialOptions(request, signal, false), (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/**
 * A streaming answer (pull progress, attach output), handed over once its headers are in. A
 * non-2xx status reads the (short) body first and rejects with the same shape requestJson does.
 */
export function requestStream(modem: Modem, request: EngineRequest, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    modem.dial(dialOptions(request, signal, true), (error, result) => {
      if (error) return reject(error);
      const response = result as IncomingMessage;
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300) return resolve(response);
      readErrorBody(response).then((body) => reject(httpError(status, body)), reject);
    });
  });
}

function dialOptions(request: EngineRequest, signal: AbortSignal, stream: boolean): Parameters<Modem['dial']>[0] {
  return {
    path: request.path,
    method: request.method,
    ...(request.options === undefined ? {} : { options: { ...request.options } }),
    ...(request.auth === undefined ? {} : { authconfig: { ...request.auth } }),
    abortSignal: signal,
    isStream: stream,
    statusCodes: stream ? ANY_STATUS : SUCCESS,
  };
}

function readErrorBody(response: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      response.destroy();
      resolve(Buffer.concat(chunks));
    };
    response.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= ERROR_BODY_LIMIT) done();
    });
    response.on('end', done);
    response.on('error', reject);
    response.on('close', done);
  });
}

/** docker-modem's error shape for a status it did not expect: translateDockerError reads both kinds alike. */
function httpError(status: number, body: Buffer): Error {
  let json: unknown = body;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    // Not JSON: keep the raw body, as docker-modem does.
  }
  return Object.assign(new Error(`HTTP ${status}`), { statusCode: status, json });
}
