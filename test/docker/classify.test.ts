import { describe, expect, it } from 'vitest';
import { announcedDigest, classifyMessage, isAbortError, isDockerNotFound, pullStreamFailure, translateDockerError } from '../../src/docker/classify.js';
import { DockerFailure } from '../../src/errors.js';

describe('classifyMessage', () => {
  it.each([
    ['manifest for 127.0.0.1:5000/acme/worker:nope not found: manifest unknown: manifest unknown', 'not-found'],
    ["pull access denied for acme/private, repository does not exist or may require 'docker login': denied: requested access to the resource is denied", 'denied'],
    ['Head "http://127.0.0.1:5000/v2/acme/worker/manifests/1": no basic auth credentials', 'denied'],
    ['Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused', 'registry-unreachable'],
    ['Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host', 'registry-unreachable'],
    ['no matching manifest for linux/amd64 in the manifest list entries', 'platform'],
    ['failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "bash": executable file not found in $PATH: unknown', 'no-bash'],
    ['No such image: acme/worker:1', 'image-missing'],
    ['something else entirely', 'other'],
  ] as const)('%s → %s', (message, kind) => expect(classifyMessage(message)).toBe(kind));
});

describe('translateDockerError', () => {
  it.each(['ENOENT', 'ECONNREFUSED', 'EACCES'])('treats a socket %s as the engine being unavailable', (code) => {
    const error = Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code });
    expect(translateDockerError(error, 'unix:///var/run/docker.sock')).toMatchObject({ kind: 'engine-unavailable' });
  });

  it.each(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_SSL_WRONG_VERSION_NUMBER'])(
    'treats a TLS failure (%s) as the engine being unavailable, pointing at the certificates',
    (code) => {
      const error = Object.assign(new Error('unable to verify the first certificate'), { code });
      expect(translateDockerError(error, 'tcp://127.0.0.1:2376')).toMatchObject({ kind: 'engine-unavailable', message: expect.stringContaining('DOCKER_CERT_PATH') });
    },
  );

  it('reads the engine message of an HTTP error', () => {
    const error = Object.assign(new Error('(HTTP code 404) no such image - No such image: x:1'), { statusCode: 404, json: { message: 'No such image: x:1' } });
    expect(translateDockerError(error, 'e')).toMatchObject({ kind: 'image-missing', message: 'No such image: x:1' });
  });

  const http = (statusCode: number, json: unknown) => Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - `), { statusCode, json });

  it('an AbortError from Node or docker-modem is an interrupt, never an engine error', () => {
    const abort = Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
    expect(isAbortError(abort)).toBe(true);
    expect(isAbortError(new DOMException('This operation was aborted', 'AbortError'))).toBe(true);
    expect(translateDockerError(abort, 'e', 'the request to pull x')).toMatchObject({ kind: 'aborted', message: 'the request to pull x was interrupted', exitCode: 130 });
  });

  it('a 404 without Docker\'s JSON error body is not "no such image": whatever answered is not Docker', () => {
    for (const body of [Buffer.alloc(0), Buffer.from('404 page not found\n'), { error: 'nope' }, null]) {
      const error = http(404, body);
      expect(isDockerNotFound(error)).toBe(false);
      expect(translateDockerError(error, 'unix:///x.sock', 'the request to inspect image a')).toMatchObject({
        kind: 'engine-unavailable',
        detail: 'it answered HTTP 404 to the request to inspect image a: it does not look like a Docker engine',
      });
    }
    const docker404 = http(404, { message: 'No such image: a:1' });
    expect(isDockerNotFound(docker404)).toBe(true);
    expect(isDockerNotFound(new DockerFailure('image-missing', 'No such image: a:1', { cause: docker404 }))).toBe(true);
  });

  it('never gives a blank reason: an empty message names the status and the call', () => {
    expect(translateDockerError(http(500, { message: '' }), 'e', 'the request for its version').message).toBe(
      'the engine answered HTTP 500 to the request for its version with an empty error message',
    );
    expect(translateDockerError(http(503, Buffer.from('  ')), 'e', 'the request to list containers').detail).toBe(
      'it answered HTTP 503 to the request to list containers without a Docker error message (empty body): it does not look like a Docker engine',
    );
    expect(translateDockerError(new Error(''), 'e', 'the request to start the smoke-test container').message).toBe(
      'the request to start the smoke-test container failed and the engine gave no reason',
    );
    expect(translateDockerError('', 'e').message).not.toBe('');
  });

  it("an engine's message is kept, but cannot forge lines or drive the terminal", () => {
    expect(translateDockerError(http(500, { message: 'boom\nproject x  verified\u001b]0;t\u0007' }), 'e').message).toBe('boom\\nproject x  verified\\x1b]0;t\\x07');
    expect(pullStreamFailure('denied: no\r\nway').message).toBe('denied: no\\r\\nway');
  });

  it('something that does not speak HTTP, and a connection the engine closed', () => {
    expect(translateDockerError(Object.assign(new Error('Parse Error: Expected HTTP/'), { code: 'HPE_INVALID_CONSTANT' }), 'unix:///s', 'the request for its version')).toMatchObject({
      kind: 'engine-unavailable',
      detail: 'it did not answer the request for its version in HTTP (HPE_INVALID_CONSTANT): it does not look like a Docker engine',
    });
    expect(translateDockerError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'e', 'the request to pull a')).toMatchObject({
      kind: 'engine-unavailable',
      detail: 'the engine closed the connection during the request to pull a (ECONNRESET)',
    });
  });
});

describe('pullStreamFailure', () => {
  it.each(['EOF', 'unexpected EOF', 'Get "https://r.example/v2/": EOF', 'read tcp 1.2.3.4:5->6.7.8.9:443: read: connection reset by peer', 'write: broken pipe'])(
    'a registry connection that broke off (%s)',
    (message) => {
      expect(pullStreamFailure(message)).toMatchObject({ kind: 'registry-unreachable', message: `the registry connection broke off during the pull (${message})` });
    },
  );

  it('anything else is classified as any engine message; an empty one still says something', () => {
    expect(pullStreamFailure('manifest unknown')).toMatchObject({ kind: 'not-found', message: 'manifest unknown' });
    expect(pullStreamFailure('mentions EOF in passing, then more')).toMatchObject({ kind: 'other' });
    expect(pullStreamFailure(' ')).toMatchObject({ kind: 'other', message: 'the engine reported a pull error without saying what went wrong' });
  });

  it('reads the digest a pull announces', () => {
    expect(announcedDigest('Digest: sha256:abc')).toBe('sha256:abc');
    expect(announcedDigest('Status: Downloaded newer image')).toBeUndefined();
  });
});
