import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { engineWith } from './engines.js';

const VERSION = { Version: '27.0.0', ApiVersion: '1.46', Os: 'linux', Arch: 'amd64' };

describe('requests to an engine on a local socket', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('never work out a TLS server name (Node would test the Host header against its IPv6 pattern, ~6 ms of the first two requests)', async () => {
    const { engine, docker } = await engineWith((_request, response, route) => {
      response.setHeader('Content-Type', 'application/json');
      response.end(JSON.stringify(route === 'GET /version' ? VERSION : []));
    });
    const isIP = vi.spyOn(net, 'isIP');
    await docker.version();
    await docker.listContainers({ 'io.cascade-image.managed': 'true' });
    expect(engine.requests).toEqual(['GET /version', 'GET /containers/json']);
    expect(isIP).not.toHaveBeenCalled();
  });
});
