// A recording proxy in front of the real engine: a unix socket that forwards every connection to
// /var/run/docker.sock (or the given socket) and notes, with a timestamp, each request line the
// client sends and when each answer ended. What a test learns from it is the order of a command's
// engine requests, which the engine's own event log cannot show (it logs what finished, not what
// was asked for and when).
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface RecordedRequest {
  /** e.g. `POST /containers/create`, without query or API-version prefix. */
  readonly route: string;
  /** Milliseconds (performance.now()) when the request line went through. */
  readonly sentAt: number;
  /** When the first bytes of the engine's answer to it reached the client. */
  answeredAt?: number;
}

export interface RecorderOptions {
  readonly engineSocket?: string;
  /** Holds back every answer on a connection whose first request is `route`, by `ms`: a slow pull, say. */
  readonly slow?: { readonly route: string; readonly ms: number };
}

export interface EngineRecorder {
  /** `unix://<socket>`, for DOCKER_HOST. */
  readonly dockerHost: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

const REQUEST_LINE = /(?:^|\r\n)(GET|POST|DELETE|HEAD|PUT) (\/[^ ?]*)[^ ]* HTTP\/1\.1\r\n/g;

export async function startEngineRecorder(options: RecorderOptions = {}): Promise<EngineRecorder> {
  const engineSocket = options.engineSocket ?? '/var/run/docker.sock';
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cascade-engine-recorder-'));
  const socketPath = path.join(dir, 'docker.sock');
  const requests: RecordedRequest[] = [];
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const engine = net.connect(engineSocket);
    open.add(client).add(engine);
    // HTTP/1.1 without pipelining: what the engine sends belongs to the connection's latest request.
    let current: RecordedRequest | undefined;
    let holdMs = 0;
    // Answer bytes go out in order, each no earlier than its arrival plus its request's hold.
    let queue = Promise.resolve();
    const at = (due: number, then: () => void) => {
      queue = queue.then(async () => {
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        then();
      });
    };
    client.on('data', (chunk) => {
      // Request lines only ever start a write of ours (docker-modem writes headers in one go); a body
      // that happened to contain one would add a spurious entry, which no assertion here relies on.
      for (const [, method, route] of chunk.toString('latin1').matchAll(REQUEST_LINE)) {
        current = { route: `${method} ${route!.replace(/^\/v\d+\.\d+(?=\/)/, '')}`, sentAt: performance.now() };
        requests.push(current);
        holdMs = options.slow?.route === current.route ? options.slow.ms : 0;
      }
      engine.write(chunk);
    });
    engine.on('data', (chunk: Buffer) => {
      const request = current;
      at(performance.now() + holdMs, () => {
        if (request !== undefined) request.answeredAt ??= performance.now();
        client.write(chunk);
      });
    });
    engine.on('end', () => at(performance.now() + holdMs, () => client.end()));
    for (const socket of [client, engine]) {
      socket.on('error', () => {
        client.destroy();
        engine.destroy();
      });
      socket.on('close', () => open.delete(socket));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    dockerHost: `unix://${socketPath}`,
    requests,
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}
