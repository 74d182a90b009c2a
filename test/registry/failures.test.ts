// The registry cannot be asked: every such failure is one RegistryUnavailableError naming the host
// and the request; every request is bounded, and the caller's signal ends a lookup at once.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InterruptedError, RegistryUnavailableError } from '../../src/errors.js';
import { createSignatureSource } from '../../src/registry/index.js';
import { FakeRegistry, OCI_MANIFEST, signByTag } from './fake-registry.js';
import { credentialsOf, IMAGE, lookup, rejection, TAG } from './support.js';

const TAG_PATH = `/v2/acme/worker/manifests/${TAG}`;

let registry: FakeRegistry;
beforeEach(async () => {
  registry = await FakeRegistry.start();
});
afterEach(async () => {
  await registry.close();
});

describe('a registry that answers with an error status', () => {
  it.each([500, 502, 503])('HTTP %i is unavailability', async (status) => {
    registry.override = (_request, response) => {
      response.writeHead(status);
      response.end('upstream exploded');
      return true;
    };
    const error = await rejection(lookup(registry));
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect(error).toMatchObject({ code: 'REGISTRY_UNAVAILABLE', exitCode: 69, host: registry.domain, detail: `it answered HTTP ${status} for GET ${TAG_PATH}` });
  });

  it('a 5xx on the referrers endpoint too, after the tag was read', async () => {
    signByTag(registry, IMAGE);
    registry.override = (request, response) => {
      if (!request.url?.includes('/referrers/')) return false;
      response.writeHead(500);
      response.end();
      return true;
    };
    expect(await rejection(lookup(registry))).toMatchObject({ code: 'REGISTRY_UNAVAILABLE', detail: `it answered HTTP 500 for GET /v2/acme/worker/referrers/${IMAGE}` });
  });

  it('HTTP 429 is unavailability (try later)', async () => {
    registry.override = (_request, response) => {
      response.writeHead(429);
      response.end();
      return true;
    };
    expect(await rejection(lookup(registry))).toMatchObject({ code: 'REGISTRY_UNAVAILABLE', detail: `it is limiting our requests (HTTP 429 for GET ${TAG_PATH})` });
  });
});

describe('a registry that cannot be reached', () => {
  it('connection refused', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const source = createSignatureSource({ credentials: credentialsOf() });
    const error = await rejection(source.find({ domain: `127.0.0.1:${port}`, repository: 'acme/worker', digest: IMAGE }));
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect(error).toMatchObject({ host: `127.0.0.1:${port}`, detail: `connection refused (GET ${TAG_PATH})`, message: `registry 127.0.0.1:${port} is unavailable: connection refused (GET ${TAG_PATH})` });
  });

  it.each([
    ['ENOTFOUND', 'its name does not resolve (ENOTFOUND)'],
    ['EAI_AGAIN', 'its name does not resolve (EAI_AGAIN)'],
    ['ECONNRESET', 'the connection broke off (ECONNRESET)'],
    ['UND_ERR_CONNECT_TIMEOUT', 'the connection timed out (UND_ERR_CONNECT_TIMEOUT)'],
    ['CERT_HAS_EXPIRED', 'the TLS connection failed (CERT_HAS_EXPIRED)'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'the TLS connection failed (ERR_TLS_CERT_ALTNAME_INVALID)'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'the TLS connection failed (UNABLE_TO_VERIFY_LEAF_SIGNATURE)'],
  ])('fetch failing with %s (as undici wraps it) is unavailability', async (code, reason) => {
    const fetch = () => Promise.reject(new TypeError('fetch failed', { cause: Object.assign(new Error(`${code} something`), { code }) }));
    const source = createSignatureSource({ credentials: credentialsOf(), fetch });
    const error = await rejection(source.find({ domain: 'registry.example', repository: 'acme/worker', digest: IMAGE }));
    expect(error).toMatchObject({ code: 'REGISTRY_UNAVAILABLE', host: 'registry.example', detail: `${reason} (GET ${TAG_PATH})` });
  });

  it('a fetch error without a code says only that the request failed (its text may quote a header)', async () => {
    const fetch = () => Promise.reject(new TypeError('Headers.append: "Bearer secret\n" is an invalid header value'));
    const source = createSignatureSource({ credentials: credentialsOf(), fetch });
    const error = await rejection(source.find({ domain: 'registry.example', repository: 'acme/worker', digest: IMAGE }));
    expect(error).toMatchObject({ detail: `the request failed (GET ${TAG_PATH})` });
    expect(error.cause).toBeUndefined();
  });
});

describe('deadlines and aborts', () => {
  it('a registry that accepts and never answers is given up on at the deadline, and the socket closed', async () => {
    registry.override = () => true;
    const started = Date.now();
    const error = await rejection(lookup(registry, { timeoutMs: 200 }));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toMatchObject({ code: 'REGISTRY_UNAVAILABLE', detail: `no answer to GET ${TAG_PATH} within 0.2s` });
    await registry.allClosed();
  });

  it('an answer that stops halfway is bounded by the same deadline', async () => {
    registry.override = (_request, response) => {
      response.writeHead(200, { 'content-type': OCI_MANIFEST });
      response.write('{"schemaVersion": 2,');
      return true;
    };
    const error = await rejection(lookup(registry, { timeoutMs: 200 }));
    expect(error).toMatchObject({ code: 'REGISTRY_UNAVAILABLE', detail: `no answer to GET ${TAG_PATH} within 0.2s` });
    await registry.allClosed();
  });

  it('a token service that never answers is bounded too', async () => {
    registry.auth = { kind: 'bearer', token: 't' };
    registry.override = (request) => request.url?.startsWith('/token') === true;
    const error = await rejection(lookup(registry, { timeoutMs: 200 }));
    expect(error).toMatchObject({ code: 'REGISTRY_UNAVAILABLE', detail: 'no answer to GET /token within 0.2s' });
  });

  it('the signal ends a hanging lookup at once, as interrupted', async () => {
    registry.override = () => true;
    const controller = new AbortController();
    const settled = rejection(lookup(registry, { timeoutMs: 60_000 }, controller.signal));
    await registry.requested(/manifests/);
    const aborted = Date.now();
    controller.abort('SIGINT');
    const error = await settled;
    expect(Date.now() - aborted).toBeLessThan(500);
    expect(error).toBeInstanceOf(InterruptedError);
    expect(error).toMatchObject({ code: 'INTERRUPTED', exitCode: 130 });
    await registry.allClosed();
  });

  it('an already aborted signal asks nothing', async () => {
    const error = await rejection(lookup(registry, {}, AbortSignal.abort('SIGTERM')));
    expect(error).toBeInstanceOf(InterruptedError);
    expect(registry.requests).toEqual([]);
  });
});
