import { describe, expect, it } from 'vitest';
import { classifyMessage, translateDockerError } from '../../src/docker/classify.js';

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
});
