import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { resolveDockerEndpoint, type ReadText } from '../../src/config/docker-endpoint.js';

const HOME = '/home/u';
const files = (entries: Record<string, string>): ReadText => (path) => entries[path];
const contextId = (name: string) => createHash('sha256').update(name).digest('hex');

describe('resolveDockerEndpoint', () => {
  it.each([
    [{}, undefined, { socketPath: '/var/run/docker.sock', description: 'unix:///var/run/docker.sock' }],
    [{ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }, undefined, { socketPath: '/run/user/1000/docker.sock' }],
    [{ DOCKER_HOST: 'tcp://127.0.0.1:2375' }, undefined, { host: '127.0.0.1', port: 2375, protocol: 'http' }],
    [{ DOCKER_HOST: 'tcp://10.0.0.5', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' }, undefined, { port: 2376, protocol: 'https', tls: { certPath: '/certs', verify: true } }],
    [{ DOCKER_HOST: 'tcp://10.0.0.5:2376', DOCKER_TLS_VERIFY: '1' }, undefined, { tls: { certPath: '/home/u/.docker', verify: true } }],
    [{ DOCKER_HOST: 'ssh://ops@build-host' }, undefined, { protocol: 'ssh', host: 'build-host', username: 'ops', port: 22 }],
    [{ DOCKER_HOST: 'tcp://ignored:1' }, 'unix:///override.sock', { socketPath: '/override.sock' }],
  ])('%j (override %s)', (env, override, expected) => {
    expect(resolveDockerEndpoint(env, override, HOME)).toMatchObject(expected);
  });

  it('offers ssh the agent and the default identity, as ssh would', () => {
    const withKey = files({ '/home/u/.ssh/id_rsa': 'KEY' });
    expect(resolveDockerEndpoint({ DOCKER_HOST: 'ssh://ops@h', SSH_AUTH_SOCK: '/run/agent' }, undefined, HOME, withKey)).toMatchObject({
      protocol: 'ssh',
      ssh: { agent: '/run/agent', privateKeyPath: '/home/u/.ssh/id_rsa' },
    });
    expect(resolveDockerEndpoint({ DOCKER_HOST: 'ssh://h' }, undefined, HOME)).toMatchObject({ ssh: {} });
    expect(resolveDockerEndpoint({ DOCKER_HOST: 'tcp://h:2375' }, undefined, HOME, withKey).ssh).toBeUndefined();
  });

  it('refuses an unknown scheme', () => {
    expect(() => resolveDockerEndpoint({ DOCKER_HOST: 'ftp://x' })).toThrow(/unsupported Docker host scheme/);
  });

  describe('docker contexts', () => {
    const id = contextId('remote');
    const meta = JSON.stringify({ Name: 'remote', Endpoints: { docker: { Host: 'tcp://build.example:2376', SkipTLSVerify: false } } });
    const store = files({
      '/home/u/.docker/config.json': JSON.stringify({ currentContext: 'remote' }),
      [`/home/u/.docker/contexts/meta/${id}/meta.json`]: meta,
      [`/home/u/.docker/contexts/tls/${id}/docker/ca.pem`]: 'CA',
      [`/home/u/.docker/contexts/tls/${id}/docker/cert.pem`]: 'CERT',
    });

    it('uses the current context of config.json, with its TLS material', () => {
      expect(resolveDockerEndpoint({}, undefined, HOME, store)).toEqual({
        description: 'tcp://build.example:2376 (docker context remote)',
        host: 'build.example',
        port: 2376,
        protocol: 'https',
        tls: { certPath: `/home/u/.docker/contexts/tls/${id}/docker`, verify: true },
      });
    });

    it('DOCKER_HOST and --docker-host win over any context; DOCKER_CONTEXT over config.json', () => {
      expect(resolveDockerEndpoint({ DOCKER_HOST: 'unix:///x.sock' }, undefined, HOME, store)).toMatchObject({ socketPath: '/x.sock' });
      expect(resolveDockerEndpoint({}, 'unix:///y.sock', HOME, store)).toMatchObject({ socketPath: '/y.sock' });
      expect(resolveDockerEndpoint({ DOCKER_CONTEXT: 'default' }, undefined, HOME, store)).toMatchObject({ socketPath: '/var/run/docker.sock' });
    });

    it('reads contexts from DOCKER_CONFIG', () => {
      const other = files({
        '/cfg/config.json': JSON.stringify({ currentContext: 'remote' }),
        [`/cfg/contexts/meta/${id}/meta.json`]: JSON.stringify({ Endpoints: { docker: { Host: 'unix:///ctx.sock' } } }),
      });
      expect(resolveDockerEndpoint({ DOCKER_CONFIG: '/cfg' }, undefined, HOME, other)).toMatchObject({ socketPath: '/ctx.sock' });
    });

    it('says so when the named context does not exist', () => {
      expect(() => resolveDockerEndpoint({ DOCKER_CONTEXT: 'nope' }, undefined, HOME, store)).toThrow(/docker context "nope" not found/);
    });
  });
});
