import { describe, expect, it } from 'vitest';
import { resolveDockerEndpoint } from '../../src/config/docker-endpoint.js';

describe('resolveDockerEndpoint', () => {
  it.each([
    [{}, undefined, { socketPath: '/var/run/docker.sock', description: 'unix:///var/run/docker.sock' }],
    [{ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }, undefined, { socketPath: '/run/user/1000/docker.sock' }],
    [{ DOCKER_HOST: 'tcp://127.0.0.1:2375' }, undefined, { host: '127.0.0.1', port: 2375, protocol: 'http' }],
    [{ DOCKER_HOST: 'tcp://10.0.0.5', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' }, undefined, { port: 2376, protocol: 'https', tls: { certPath: '/certs', verify: true } }],
    [{ DOCKER_HOST: 'ssh://ops@build-host' }, undefined, { protocol: 'ssh', host: 'build-host', username: 'ops', port: 22 }],
    [{ DOCKER_HOST: 'tcp://ignored:1' }, 'unix:///override.sock', { socketPath: '/override.sock' }],
  ])('%j (override %s)', (env, override, expected) => {
    expect(resolveDockerEndpoint(env, override, '/home/u')).toMatchObject(expected);
  });

  it('refuses an unknown scheme', () => {
    expect(() => resolveDockerEndpoint({ DOCKER_HOST: 'ftp://x' })).toThrow(/unsupported DOCKER_HOST scheme/);
  });
});
