import { describe, expect, it } from 'vitest';
import { isLoopbackHost, isSafeUrl, registryHost, registryOrigin } from '../../src/registry/hosts.js';

describe('the host a registry domain is asked at', () => {
  it.each([
    ['docker.io', 'registry-1.docker.io'],
    ['index.docker.io', 'registry-1.docker.io'],
    ['ghcr.io', 'ghcr.io'],
    ['registry.example.com:5000', 'registry.example.com:5000'],
    ['127.0.0.1:5000', '127.0.0.1:5000'],
  ])('%s → %s', (domain, host) => {
    expect(registryHost(domain)).toBe(host);
  });
});

describe('plain http for loopback registries only', () => {
  it.each(['127.0.0.1:5000', '127.0.0.1', '127.255.3.4:80', 'localhost', 'localhost:5000', 'LOCALHOST:5000', '[::1]', '[::1]:5000'])('%s is loopback, asked over http', (domain) => {
    expect(isLoopbackHost(domain)).toBe(true);
    expect(registryOrigin(domain).protocol).toBe('http:');
  });

  it.each(['docker.io', 'ghcr.io', '128.0.0.1:5000', '10.0.0.1:5000', '127.0.0.1.example.com', 'localhost.example.com:5000', '[::2]:5000', 'my-localhost:5000'])(
    '%s is not loopback, asked over https',
    (domain) => {
      expect(isLoopbackHost(domain)).toBe(false);
      expect(registryOrigin(domain).protocol).toBe('https:');
    },
  );

  it('reads a dotted quad strictly', () => {
    expect(isLoopbackHost('127.0.0.256')).toBe(false);
    expect(isLoopbackHost('127.0.0')).toBe(false);
  });

  it('keeps the port and maps the Hub in the origin', () => {
    expect(registryOrigin('127.0.0.1:5000').href).toBe('http://127.0.0.1:5000/');
    expect(registryOrigin('[::1]:5000').href).toBe('http://[::1]:5000/');
    expect(registryOrigin('docker.io').href).toBe('https://registry-1.docker.io/');
  });

  it('sends a redirect or a token request to https, or to http on loopback, only', () => {
    expect(isSafeUrl(new URL('https://storage.example/blob'))).toBe(true);
    expect(isSafeUrl(new URL('http://127.0.0.1:9/token'))).toBe(true);
    expect(isSafeUrl(new URL('http://storage.example/blob'))).toBe(false);
    expect(isSafeUrl(new URL('ftp://storage.example/blob'))).toBe(false);
  });
});
