// Authentication as a pull does it: anonymous first, then the registry's challenge answered with the
// credentials the pull would use. No secret may reach an error message, hint or cause.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RegistryUnavailableError } from '../../src/errors.js';
import { basic, FakeRegistry, signByTag } from './fake-registry.js';
import { credentialsOf, IMAGE, lookup, rejection, TAG } from './support.js';

const PASSWORD = 'pa55-w0rd-secret';
const TOKEN = 'registry-token-abc123';
const IDENTITY_TOKEN = 'identity-refresh-xyz789';
const SECRETS = [PASSWORD, TOKEN, IDENTITY_TOKEN, Buffer.from(`ci:${PASSWORD}`).toString('base64'), Buffer.from(`ci:wrong-${PASSWORD}`).toString('base64')];

let registry: FakeRegistry;
beforeEach(async () => {
  registry = await FakeRegistry.start();
  signByTag(registry, IMAGE);
});
afterEach(async () => {
  await registry.close();
});

const tokenRequests = () => registry.requests.filter((request) => request.path.startsWith('/token'));
const registryRequests = () => registry.requests.filter((request) => request.path.startsWith('/v2/'));

/** Everything an error shows or keeps, however deep. */
function everythingSaid(error: unknown): string {
  const parts: string[] = [];
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 5; depth += 1) {
    const { message, hint, detail, stack, cause } = current as Record<string, unknown>;
    parts.push(String(message), String(hint), String(detail), String(stack));
    current = cause;
  }
  return parts.join('\n');
}

function expectNoSecret(error: unknown): void {
  const said = everythingSaid(error);
  for (const secret of SECRETS) expect(said).not.toContain(secret);
}

describe('a Bearer challenge', () => {
  it('gets a token with the Basic credentials and sends it to the registry, once per lookup', async () => {
    registry.auth = { kind: 'bearer', token: TOKEN, username: 'ci', password: PASSWORD };
    const credentials = credentialsOf({ username: 'ci', password: PASSWORD });
    const found = await lookup(registry, { credentials });
    expect(found.found).toHaveLength(1);
    expect(credentials.asked).toEqual([registry.domain]);

    const [token, ...more] = tokenRequests();
    expect(more).toEqual([]);
    expect(token?.method).toBe('GET');
    expect(token?.headers.authorization).toBe(basic('ci', PASSWORD));
    const query = new URL(token?.path ?? '', 'http://x').searchParams;
    expect(Object.fromEntries(query)).toEqual({ service: 'fake-registry', scope: 'repository:acme/worker:pull' });
    // The first request went anonymously; every one after the token carried it.
    const [first, ...rest] = registryRequests();
    expect(first?.headers.authorization).toBeUndefined();
    expect(rest.length).toBeGreaterThanOrEqual(3);
    expect(rest.every((request) => request.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('gets an anonymous token when there are no credentials', async () => {
    registry.auth = { kind: 'bearer', token: TOKEN };
    const found = await lookup(registry);
    expect(found.found).toHaveLength(1);
    expect(tokenRequests().map((request) => request.headers.authorization)).toEqual([undefined]);
  });

  it('trades an identity token through the OAuth2 refresh-token grant', async () => {
    registry.auth = { kind: 'bearer', token: TOKEN, identityToken: IDENTITY_TOKEN };
    const found = await lookup(registry, { credentials: credentialsOf({ identitytoken: IDENTITY_TOKEN }) });
    expect(found.found).toHaveLength(1);
    const [token] = tokenRequests();
    expect(token?.method).toBe('POST');
    expect(token?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(token?.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(token?.body))).toEqual({
      grant_type: 'refresh_token',
      service: 'fake-registry',
      scope: 'repository:acme/worker:pull',
      refresh_token: IDENTITY_TOKEN,
      client_id: 'cascade-image',
    });
    expect(token?.path).toBe('/token');
    expect(registryRequests().at(-1)?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('the token service refusing the credentials makes the registry unavailable, naming host and path only', async () => {
    registry.auth = { kind: 'bearer', token: TOKEN, username: 'ci', password: PASSWORD };
    const error = await rejection(lookup(registry, { credentials: credentialsOf({ username: 'ci', password: `wrong-${PASSWORD}` }) }));
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect(error).toMatchObject({
      code: 'REGISTRY_UNAVAILABLE',
      exitCode: 69,
      host: registry.domain,
      detail: `its token service refused the credentials for ${registry.domain} (HTTP 401 for GET /token)`,
    });
    expectNoSecret(error);
  });

  it('a registry that refuses the token it sent us for is unavailable', async () => {
    registry.auth = { kind: 'bearer', token: TOKEN, username: 'ci', password: PASSWORD };
    registry.override = (request, response) => {
      if (!request.url?.startsWith('/v2/')) return false;
      response.writeHead(401, { 'www-authenticate': `Bearer realm="http://${registry.domain}/token",service="fake-registry"` });
      response.end();
      return true;
    };
    const error = await rejection(lookup(registry, { credentials: credentialsOf({ username: 'ci', password: PASSWORD }) }));
    expect(error).toMatchObject({ code: 'REGISTRY_UNAVAILABLE', detail: `it refused the credentials for ${registry.domain} (HTTP 401 for GET /v2/acme/worker/manifests/${TAG})` });
    expect(error.hint).toContain(`docker login ${registry.domain}`);
    expectNoSecret(error);
  });

  it('never sends credentials to a token service that is neither https nor loopback', async () => {
    const asked: string[] = [];
    registry.override = (request, response) => {
      response.writeHead(401, { 'www-authenticate': 'Bearer realm="http://auth.example/token",service="x"' });
      response.end();
      return true;
    };
    const fetch: typeof globalThis.fetch = (input, init) => {
      asked.push(String(input));
      return globalThis.fetch(input, init);
    };
    const error = await rejection(lookup(registry, { fetch, credentials: credentialsOf({ username: 'ci', password: PASSWORD }) }));
    expect(error).toMatchObject({ code: 'REGISTRY_UNAVAILABLE', detail: 'its token service is not an https address' });
    expect(asked.every((url) => url.startsWith(`http://${registry.domain}/`))).toBe(true);
  });

  it('drops the token when a blob redirects to another host', async () => {
    const storage = await FakeRegistry.start();
    try {
      registry.auth = { kind: 'bearer', token: TOKEN };
      registry.override = (request, response) => {
        if (request.headers.authorization !== `Bearer ${TOKEN}` || !request.url?.includes('/blobs/')) return false;
        response.writeHead(307, { location: `http://${storage.domain}/storage${request.url}` });
        response.end();
        return true;
      };
      storage.override = (request, response) => {
        const blob = registry.blobs.get(request.url?.split('/blobs/')[1] ?? '');
        response.writeHead(blob === undefined ? 404 : 200);
        response.end(blob);
        return true;
      };
      const found = await lookup(registry);
      expect(found.found).toHaveLength(1);
      expect(storage.requests).toHaveLength(1);
      expect(storage.requests[0]?.headers.authorization).toBeUndefined();
    } finally {
      await storage.close();
    }
  });
});

describe('a Basic challenge', () => {
  it('is answered with the username and password', async () => {
    registry.auth = { kind: 'basic', username: 'ci', password: PASSWORD };
    const found = await lookup(registry, { credentials: credentialsOf({ username: 'ci', password: PASSWORD }) });
    expect(found.found).toHaveLength(1);
    expect(tokenRequests()).toEqual([]);
    expect(registryRequests().at(-1)?.headers.authorization).toBe(basic('ci', PASSWORD));
  });

  it('refused after the credentials: unavailable, without the secret', async () => {
    registry.auth = { kind: 'basic', username: 'ci', password: PASSWORD };
    const error = await rejection(lookup(registry, { credentials: credentialsOf({ username: 'ci', password: `wrong-${PASSWORD}` }) }));
    expect(error).toMatchObject({ code: 'REGISTRY_UNAVAILABLE', detail: `it refused the credentials for ${registry.domain} (HTTP 401 for GET /v2/acme/worker/manifests/${TAG})` });
    expect(error.message).toBe(`registry ${registry.domain} is unavailable: ${String(error.detail)}`);
    expectNoSecret(error);
  });

  it('without credentials: unavailable, saying there are none', async () => {
    registry.auth = { kind: 'basic', username: 'ci', password: PASSWORD };
    const error = await rejection(lookup(registry));
    expect(error).toMatchObject({ code: 'REGISTRY_UNAVAILABLE', detail: `it asks for a username and password and there are none for ${registry.domain}` });
  });
});

describe('no challenge at all', () => {
  it('asks for no credentials when the registry wants none', async () => {
    const credentials = credentialsOf({ username: 'ci', password: PASSWORD });
    await lookup(registry, { credentials });
    expect(credentials.asked).toEqual([]);
    expect(registryRequests().every((request) => request.headers.authorization === undefined)).toBe(true);
  });

  it('a 403 is the registry refusing us', async () => {
    registry.override = (_request, response) => {
      response.writeHead(403);
      response.end();
      return true;
    };
    const error = await rejection(lookup(registry));
    expect(error).toMatchObject({ code: 'REGISTRY_UNAVAILABLE', detail: `it requires credentials and there are none for ${registry.domain} (HTTP 403 for GET /v2/acme/worker/manifests/${TAG})` });
  });
});
