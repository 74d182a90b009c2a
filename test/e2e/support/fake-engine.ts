// Fake Docker engines: small HTTP servers on unix sockets in a temp dir, each broken in one way
// (never answers, stalls a pull, sends garbage, is not Docker at all). Shared by the adapter's unit
// tests (test/docker) and the engine fault suite (test/e2e/faults-engine.test.ts), which points
// the built binary at one with DOCKER_HOST=unix://<socket>.
import fsp from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export type Handler = (request: IncomingMessage, response: ServerResponse, route: string) => void;

export interface FakeEngine {
  readonly socketPath: string;
  /** `unix://<socketPath>`, for DOCKER_HOST and for the messages that name the endpoint. */
  readonly dockerHost: string;
  /** `METHOD /path` of every request so far, without query or API-version prefix. */
  readonly requests: string[];
  /** Resolves once a request whose route matches has arrived. */
  requested(pattern: RegExp): Promise<void>;
  /** Resolves once no client connection is open any more (the client closed every socket it opened). */
  allClosed(): Promise<void>;
  close(): Promise<void>;
}

/** Starts `handler` on a fresh unix socket; `route` is e.g. `GET /version` or `POST /images/create`. */
export async function startFakeEngine(handler: Handler): Promise<FakeEngine> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cascade-fake-engine-'));
  const socketPath = path.join(dir, 'docker.sock');
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const waiters: Array<() => void> = [];
  const notify = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://engine');
    const route = `${request.method ?? 'GET'} ${url.pathname.replace(/^\/v\d+\.\d+(?=\/)/, '')}`;
    requests.push(route);
    notify();
    // Drain what the client sends (a create's JSON body) so a stalled answer is the only thing stalling.
    request.resume();
    // One request per connection: a socket still open afterwards is one the client holds on to.
    response.shouldKeepAlive = false;
    handler(request, response, route);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      notify();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });

  const until = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => (done() ? resolve() : waiters.push(check));
      check();
    });

  return {
    socketPath,
    dockerHost: `unix://${socketPath}`,
    requests,
    requested: (pattern) => until(() => requests.some((route) => pattern.test(route))),
    allClosed: () => until(() => sockets.size === 0),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}

// --- canned answers -----------------------------------------------------------------------------

export const ENGINE_VERSION = { Version: '27.0.0', ApiVersion: '1.46', Os: 'linux', Arch: 'amd64' };

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

/** Docker's own "no such image" (a 404 with its JSON error body). */
export function noSuchImage(response: ServerResponse, route: string): void {
  sendJson(response, 404, { message: `No such image: ${route.replace(/^GET \/images\/(.*)\/json$/, '$1')}` });
}

/** Starts a 200 pull stream and writes `lines` (each gets its newline); the caller decides how it ends. */
export function pullStream(response: ServerResponse, lines: readonly string[]): void {
  response.writeHead(200, { 'Content-Type': 'application/json' });
  response.flushHeaders();
  for (const line of lines) response.write(`${line}\n`);
}

export const PULLING = [
  JSON.stringify({ status: 'Pulling from acme/worker', id: '1' }),
  JSON.stringify({ status: 'Downloading', id: 'a1b2c3', progressDetail: { current: 1024, total: 4096 } }),
];

// --- the broken engines -------------------------------------------------------------------------

export const brokenEngines = {
  /** Accepts every connection and request, and never answers anything. */
  neverAnswers: (): Handler => () => undefined,

  /** Answers /version, then stalls every pull half-way: some progress, then silence, never the end. */
  stallsPull: (): Handler => (_request, response, route) => {
    if (route === 'GET /version') return sendJson(response, 200, ENGINE_VERSION);
    if (route === 'POST /images/create') return pullStream(response, PULLING);
    // Everything else hangs too: the pull is what this engine is about.
  },

  /** A pull stream whose lines are not JSON at all (with terminal escapes in them); no such image after. */
  garbagePull: (): Handler => (_request, response, route) => {
    if (route === 'GET /version') return sendJson(response, 200, ENGINE_VERSION);
    if (route === 'POST /images/create') {
      pullStream(response, [PULLING[0] ?? '', '<html>\u001b[31mProxy Error\u001b[0m: upstream sent an invalid response</html>']);
      return response.end();
    }
    if (route.startsWith('GET /images/')) return noSuchImage(response, route);
    sendJson(response, 404, { message: 'page not found' });
  },

  /** Docker-shaped JSON with the wrong types: /version numbers, RepoDigests a string, labels a list. */
  wrongTypes: (): Handler => (_request, response, route) => {
    if (route === 'GET /version') return sendJson(response, 200, { Version: 27, ApiVersion: ['1.46'], Os: 'linux', Arch: 'amd64' });
    if (route === 'POST /images/create') {
      pullStream(response, [...PULLING, JSON.stringify({ status: 'Digest: sha256:' + 'a'.repeat(64) })]);
      return response.end();
    }
    if (route.startsWith('GET /images/')) return sendJson(response, 200, { Id: 'sha256:' + 'b'.repeat(64), RepoDigests: 'acme/worker@sha256:' + 'a'.repeat(64) });
    if (route === 'GET /containers/json') return sendJson(response, 200, [{ Id: 'c1', Labels: ['io.cascade-image.managed=true'], Created: '2026-01-01', State: 'exited' }]);
    sendJson(response, 404, { message: 'page not found' });
  },

  /** Not Docker at all: HTTP 404 with an empty body for every request. */
  notDocker: (): Handler => (_request, response) => {
    response.writeHead(404, { 'Content-Length': 0 });
    response.end();
  },

  /** The registry dies mid-pull: the engine reports `unexpected EOF` as the stream's error event. */
  eofPull: (message = 'unexpected EOF'): Handler => (_request, response, route) => {
    if (route === 'GET /version') return sendJson(response, 200, ENGINE_VERSION);
    if (route === 'POST /images/create') {
      pullStream(response, [...PULLING, JSON.stringify({ errorDetail: { message }, error: message })]);
      return response.end();
    }
    if (route.startsWith('GET /images/')) return noSuchImage(response, route);
    sendJson(response, 404, { message: 'page not found' });
  },
};
