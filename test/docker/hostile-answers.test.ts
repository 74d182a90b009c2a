// Engines that answer, but wrongly: garbage pull lines, Docker-shaped JSON with the wrong types,
// an HTTP server that is not Docker, a registry that dies mid-pull. Each ends in one precise
// DockerFailure with a reason a person can act on; never a crash, never a blank.
import net from 'node:net';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createDockerodeAdapter } from '../../src/docker/dockerode-adapter.js';
import type { DockerPort } from '../../src/ports/docker.js';
import { brokenEngines, ENGINE_VERSION, noSuchImage, pullStream, sendJson } from '../e2e/support/fake-engine.js';
import { engineWith, rejection, SHORT } from './engines.js';

const REF = 'registry.example/acme/worker:1';

describe('a pull stream that is not JSON', () => {
  it('fails the pull with the first line quoted, escaped and cut short, and closes the stream', async () => {
    const { engine, docker } = await engineWith(brokenEngines.garbagePull());
    const failure = await rejection(docker.pull(REF));
    expect(failure).toMatchObject({
      kind: 'other',
      message: 'the engine sent a pull progress line that is not JSON: "<html>\\x1b[31mProxy Error\\x1b[0m: upstream sent an invalid respons…"',
    });
    await engine.allClosed();
  });

  it.each([
    ['a JSON list', '[1,2]', 'not a JSON object: "[1,2]"'],
    ['a JSON string', '"hello"', 'not a JSON object: "\\"hello\\""'],
    ['a half line at the end', '{"status":"Downlo', 'not JSON: "{\\"status\\":\\"Downlo"'],
  ])('fails on %s', async (_name, line, problem) => {
    const { docker } = await engineWith((_request, response, route) => {
      if (route !== 'POST /images/create') return;
      pullStream(response, []);
      response.end(line);
    });
    expect(await rejection(docker.pull(REF))).toMatchObject({ kind: 'other', message: `the engine sent a pull progress line that is ${problem}` });
  });

  it('fails on a progress line with the wrong types, and on a stream with nothing in it', async () => {
    const wrong = await engineWith((_request, response) => {
      pullStream(response, [JSON.stringify({ status: 7 })]);
      response.end();
    });
    expect(await rejection(wrong.docker.pull(REF))).toMatchObject({ kind: 'other', message: "the engine's pull progress line is not Docker's (status is a number, not a string)" });
    const empty = await engineWith((_request, response) => {
      pullStream(response, []);
      response.end();
    });
    expect(await rejection(empty.docker.pull(REF))).toMatchObject({ kind: 'other', message: `the engine answered the pull of ${REF} with an empty progress stream` });
  });

  it('still pulls when the stream is well-formed, wherever the chunks split it', async () => {
    const digest = 'sha256:' + 'd'.repeat(64);
    const text = [
      JSON.stringify({ status: 'Pulling from acme/worker', id: '1' }),
      JSON.stringify({ status: 'Downloading', id: 'l1', progressDetail: { current: 5, total: 10 } }),
      '',
      JSON.stringify({ status: `Digest: ${digest}` }),
      JSON.stringify({ status: 'Status: Downloaded newer image' }) + '\r',
    ].join('\n');
    const { docker } = await engineWith((_request, response) => {
      pullStream(response, []);
      // One byte per write: every line arrives in pieces, and multi-byte boundaries are split.
      const bytes = Buffer.from(`${text}\n`);
      for (let i = 0; i < bytes.length; i += 1) response.write(bytes.subarray(i, i + 1));
      response.end();
    });
    const statuses: string[] = [];
    await expect(docker.pull(REF, { onProgress: (progress) => statuses.push(progress.status) })).resolves.toEqual({ digest });
    expect(statuses).toEqual(['Pulling from acme/worker', 'Downloading', `Digest: ${digest}`, 'Status: Downloaded newer image']);
  });
});

describe('Docker-shaped JSON with the wrong types', () => {
  it.each([
    ['version', (docker: DockerPort) => docker.version(), "the engine's /version answer is not Docker's (Version is a number, not a string)"],
    ['inspectImage', (docker: DockerPort) => docker.inspectImage(REF), `the engine's image inspect answer for ${REF} is not Docker's (RepoDigests is a string, not a list of strings)`],
    ['listContainers', (docker: DockerPort) => docker.listContainers({}), "the engine's container list answer (entry 1) is not Docker's (Created is a string, not a number)"],
  ])('%s fails precisely, naming the field', async (_name, call, message) => {
    const { docker } = await engineWith(brokenEngines.wrongTypes());
    expect(await rejection(call(docker))).toMatchObject({ kind: 'other', message });
  });

  it.each([
    ['a body that is not JSON', (response: import('node:http').ServerResponse) => response.end('hello\u0007'), 'not JSON: "hello\\x07"'],
    ['an empty body', (response: import('node:http').ServerResponse) => response.end(), 'an empty body'],
    ['a JSON list', (response: import('node:http').ServerResponse) => sendJson(response, 200, []), 'a list, not a JSON object'],
    ['a missing field', (response: import('node:http').ServerResponse) => sendJson(response, 200, { ...ENGINE_VERSION, Os: undefined }), 'missing Os'],
  ])('/version with %s', async (_name, answer, problem) => {
    const { docker } = await engineWith((_request, response) => answer(response));
    expect(await rejection(docker.version())).toMatchObject({ kind: 'other', message: `the engine's /version answer is not Docker's (${problem})` });
  });

  it('image inspect: a missing Id or RepoDigests is refused; null RepoDigests and absent platform fields are not', async () => {
    const answers: unknown[] = [{ RepoDigests: [] }, { Id: 'sha256:1' }, { Id: 'sha256:1', RepoDigests: null }, { Id: 'sha256:1', RepoDigests: [], Os: 'linux', Variant: 3 }];
    const { docker } = await engineWith((_request, response) => sendJson(response, 200, answers.shift()));
    await expect(docker.inspectImage(REF)).rejects.toMatchObject({ message: expect.stringContaining('(missing Id)') });
    await expect(docker.inspectImage(REF)).rejects.toMatchObject({ message: expect.stringContaining('(missing RepoDigests)') });
    await expect(docker.inspectImage(REF)).resolves.toEqual({
      id: 'sha256:1',
      repoDigests: [],
      os: null,
      architecture: null,
      variant: null,
      // No Config at all is an image with nothing configured, not a malformed answer.
      config: { user: '', entrypoint: [], cmd: [], env: [], labels: {}, sizeBytes: null, os: null, architecture: null },
    });
    await expect(docker.inspectImage(REF)).rejects.toMatchObject({ message: expect.stringContaining('(Variant is a number, not a string)') });
  });

  it("a Docker 404 is still 'no such image' / 'already removed'", async () => {
    const { docker } = await engineWith((_request, response, route) => (route.startsWith('GET /images/') ? noSuchImage(response, route) : sendJson(response, 404, { message: 'No such container: abc' })));
    await expect(docker.inspectImage(REF)).resolves.toBeUndefined();
    await expect(docker.removeContainer('abc')).resolves.toBeUndefined();
  });
});

describe('an HTTP server that is not Docker', () => {
  it.each([
    ['version', (docker: DockerPort) => docker.version(), 'the request for its version'],
    ['pull', (docker: DockerPort) => docker.pull(REF), `the request to pull ${REF}`],
    ['inspectImage', (docker: DockerPort) => docker.inspectImage(REF), `the request to inspect image ${REF}`],
    ['listContainers', (docker: DockerPort) => docker.listContainers({}), 'the request to list containers'],
    ['removeContainer', (docker: DockerPort) => docker.removeContainer('abc'), 'the request to remove container abc'],
  ])('%s: a 404 with an empty body is not "no such image" but "not a Docker engine"', async (_name, call, what) => {
    const { engine, docker } = await engineWith(brokenEngines.notDocker());
    expect(await rejection(call(docker))).toMatchObject({
      kind: 'engine-unavailable',
      detail: `it answered HTTP 404 to ${what}: it does not look like a Docker engine`,
    });
  });

  it('another error status without a Docker message quotes the body; an empty Docker message names the status and the call', async () => {
    const answers = [
      (response: import('node:http').ServerResponse) => {
        response.writeHead(502, { 'Content-Type': 'text/html' });
        response.end('<h1>Bad Gateway</h1>');
      },
      (response: import('node:http').ServerResponse) => sendJson(response, 500, { message: '  ' }),
    ];
    const { engine, docker } = await engineWith((_request, response) => answers.shift()?.(response));
    expect(await rejection(docker.pull(REF))).toMatchObject({
      kind: 'engine-unavailable',
      detail: `it answered HTTP 502 to the request to pull ${REF} without a Docker error message ("<h1>Bad Gateway</h1>"): it does not look like a Docker engine`,
    });
    expect(await rejection(docker.version())).toMatchObject({ kind: 'other', message: 'the engine answered HTTP 500 to the request for its version with an empty error message' });
  });

  it('a socket that does not speak HTTP at all', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cascade-not-http-'));
    const socketPath = path.join(dir, 'docker.sock');
    // An ssh daemon's greeting where the engine should be (it reads what it is sent, and ignores it).
    const server = net.createServer((socket) => socket.resume().end('SSH-2.0-OpenSSH_9.2\r\n'));
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    onTestFinished(async () => {
      await new Promise((resolve) => server.close(resolve));
      await fsp.rm(dir, { recursive: true, force: true });
    });
    const docker = createDockerodeAdapter({ description: `unix://${socketPath}`, socketPath }, SHORT);
    const failure = await rejection(docker.version());
    expect(failure.kind).toBe('engine-unavailable');
    expect(failure.detail).toMatch(new RegExp(`^it did not answer the request for its version in HTTP \\(HPE_[A-Z_]+\\): it does not look like a Docker engine$`));
  });
});

describe('a registry that dies in the middle of a pull', () => {
  it.each(['unexpected EOF', 'EOF', 'Get "https://registry.example/v2/acme/worker/blobs/sha256:1": EOF', 'read tcp 10.0.0.2:40000->10.0.0.9:443: read: connection reset by peer'])(
    'the stream\'s error event "%s" says the registry connection broke off',
    async (message) => {
      const { docker } = await engineWith(brokenEngines.eofPull(message));
      expect(await rejection(docker.pull(REF))).toMatchObject({ kind: 'registry-unreachable', message: `the registry connection broke off during the pull (${message})` });
    },
  );

  it('an error event without a message is still a reason', async () => {
    const { docker } = await engineWith((_request, response) => {
      pullStream(response, [JSON.stringify({ error: '' })]);
      response.end();
    });
    expect(await rejection(docker.pull(REF))).toMatchObject({ kind: 'other', message: 'the engine reported a pull error without saying what went wrong' });
  });

  it('a registry error event is classified as before (the stream is read to the first problem)', async () => {
    const { docker } = await engineWith(brokenEngines.eofPull('manifest for registry.example/acme/worker:1 not found: manifest unknown: manifest unknown'));
    expect(await rejection(docker.pull(REF))).toMatchObject({ kind: 'not-found' });
  });

  it('the engine itself going away mid-stream is the engine being unavailable', async () => {
    const { engine, docker } = await engineWith((request, response) => {
      pullStream(response, [JSON.stringify({ status: 'Downloading' })]);
      setImmediate(() => request.socket.destroy());
    });
    const failure = await rejection(docker.pull(REF));
    expect(failure.kind).toBe('engine-unavailable');
    expect(failure.message).toMatch(new RegExp(`^Docker engine unreachable at ${engine.dockerHost}: \\S`));
  });
});
