// Finding and fetching cosign signatures from a real (local) registry: by the .sig tag, by OCI 1.1
// referrers, both or neither, and what is listed when an answer is there but cannot be used.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidReferenceError } from '../../src/errors.js';
import { createSignatureSource } from '../../src/registry/index.js';
import {
  DOCKER_MANIFEST,
  FakeRegistry,
  OCI_INDEX,
  OCI_MANIFEST,
  payloadFor,
  sha256,
  signByReferrer,
  signByTag,
  SIG_ARTIFACT,
  SIMPLE_SIGNING,
  SIGNATURE_ANNOTATION,
} from './fake-registry.js';
import { credentialsOf, IMAGE, lookup, rejection, TAG } from './support.js';

let registry: FakeRegistry;
beforeEach(async () => {
  registry = await FakeRegistry.start();
});
afterEach(async () => {
  await registry.close();
});

describe('a signature found', () => {
  it('by its .sig tag: the payload as stored and the decoded signature, both digests checked', async () => {
    const signed = signByTag(registry, IMAGE);
    const found = await lookup(registry);
    expect(found).toEqual({
      found: [{ source: 'tag', manifest: signed.manifest, payload: new Uint8Array(signed.payload), signature: new Uint8Array(signed.signature) }],
      looked: [`tag ${TAG}: 1 signature`, 'referrers: no cosign signature'],
      malformed: [],
    });
    const tagRequest = registry.requests.find((request) => request.path === `/v2/acme/worker/manifests/${TAG}`);
    expect(tagRequest?.headers.accept).toContain(OCI_MANIFEST);
    expect(tagRequest?.headers.accept).toContain(DOCKER_MANIFEST);
    expect(registry.requests.map((request) => request.path)).toContain(`/v2/acme/worker/blobs/${sha256(signed.payload)}`);
    expect(registry.requests.map((request) => request.path)).toContain(`/v2/acme/worker/referrers/${IMAGE}`);
  });

  it('by its .sig tag in a Docker v2 schema 2 manifest', async () => {
    const signed = signByTag(registry, IMAGE, { mediaType: DOCKER_MANIFEST });
    const found = await lookup(registry);
    expect(found.found).toEqual([expect.objectContaining({ source: 'tag', manifest: signed.manifest })]);
  });

  it('by referrers: the listed manifest fetched by digest and read the same way', async () => {
    const signed = signByReferrer(registry, IMAGE);
    const found = await lookup(registry);
    expect(found).toEqual({
      found: [{ source: 'referrers', manifest: signed.manifest, payload: new Uint8Array(signed.payload), signature: new Uint8Array(signed.signature) }],
      looked: [`tag ${TAG}: not found`, 'referrers: 1 signature'],
      malformed: [],
    });
    expect(registry.requests.find((request) => request.path.includes('/referrers/'))?.headers.accept).toBe(OCI_INDEX);
  });

  it('both ways: each signature once, tag first', async () => {
    const byTag = signByTag(registry, IMAGE, { signature: Buffer.from('one') });
    const byReferrer = signByReferrer(registry, IMAGE, { signature: Buffer.from('two') });
    const found = await lookup(registry);
    expect(found.found.map((signature) => [signature.source, signature.manifest, Buffer.from(signature.signature as Uint8Array).toString()])).toEqual([
      ['tag', byTag.manifest, 'one'],
      ['referrers', byReferrer.manifest, 'two'],
    ]);
    expect(found.looked).toEqual([`tag ${TAG}: 1 signature`, 'referrers: 1 signature']);
  });

  it('for the Hub, asks the repository path it is given (library/… for official images)', async () => {
    const asked: string[] = [];
    const fetch: typeof globalThis.fetch = async (input) => {
      asked.push(String(input));
      return new Response(null, { status: 404 });
    };
    const source = createSignatureSource({ credentials: credentialsOf(), fetch });
    const found = await source.find({ domain: 'docker.io', repository: 'library/alpine', digest: IMAGE });
    expect(asked).toEqual([`https://registry-1.docker.io/v2/library/alpine/manifests/${TAG}`, `https://registry-1.docker.io/v2/library/alpine/referrers/${IMAGE}`]);
    expect(found.looked).toEqual([`tag ${TAG}: not found`, 'referrers: not offered']);
  });
});

describe('no signature found, precisely', () => {
  it('says the tag was not found and the referrers list none', async () => {
    expect(await lookup(registry)).toEqual({ found: [], looked: [`tag ${TAG}: not found`, 'referrers: no cosign signature'], malformed: [] });
  });

  it('says when the referrers API is not offered (404)', async () => {
    registry.offersReferrers = false;
    expect((await lookup(registry)).looked).toEqual([`tag ${TAG}: not found`, 'referrers: not offered']);
  });

  it('counts the other artifacts the referrers list, and reads none of them', async () => {
    registry.referrers.set(IMAGE, [{ mediaType: OCI_MANIFEST, digest: sha256('sbom'), size: 10, artifactType: 'application/spdx+json' }]);
    expect((await lookup(registry)).looked).toEqual([`tag ${TAG}: not found`, 'referrers: no cosign signature (1 other artifact)']);
    expect(registry.requests.filter((request) => request.path.includes(sha256('sbom')))).toEqual([]);
  });

  it('rejects a target that is not a normalized repository@digest before asking anything', async () => {
    const source = createSignatureSource({ credentials: credentialsOf(), fetch: () => Promise.reject(new Error('asked')) });
    for (const target of [
      { domain: 'docker.io', repository: 'alpine', digest: IMAGE },
      { domain: registry.domain, repository: 'Acme/worker', digest: IMAGE },
      { domain: registry.domain, repository: 'acme/worker', digest: 'sha256:abc' },
      { domain: registry.domain, repository: '../../etc', digest: IMAGE },
      { domain: '127.0.0.256', repository: 'acme/worker', digest: IMAGE },
    ]) {
      expect(await rejection(source.find(target))).toBeInstanceOf(InvalidReferenceError);
    }
  });
});

describe('what is there but cannot be used', () => {
  it('a payload blob whose content does not match its digest is malformed, not a signature', async () => {
    const signed = signByTag(registry, IMAGE, { blobContent: 'tampered payload' });
    const found = await lookup(registry);
    expect(found.found).toEqual([]);
    expect(found.malformed).toEqual([`tag ${TAG} (${signed.manifest}) layer 1: payload blob does not match its digest ${sha256(signed.payload)}`]);
    expect(found.looked).toEqual([`tag ${TAG}: no signature`, 'referrers: no cosign signature']);
  });

  it('an oversized manifest is malformed, whether or not it says its length', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024 + 1, 0x20);
    registry.manifest(big.toString(), OCI_MANIFEST, TAG);
    const declared = await lookup(registry);
    expect(declared.malformed).toEqual([`tag ${TAG}: larger than 4 MiB (${big.byteLength} bytes)`]);
    expect(declared.looked).toEqual([`tag ${TAG}: unusable`, 'referrers: no cosign signature']);

    registry.override = (request, response) => {
      if (!request.url?.includes('/manifests/')) return false;
      response.writeHead(200, { 'content-type': OCI_MANIFEST }); // chunked: no Content-Length
      for (let i = 0; i < 5; i += 1) response.write(Buffer.alloc(1024 * 1024, 0x20));
      response.end();
      return true;
    };
    expect((await lookup(registry)).malformed).toEqual([`tag ${TAG}: larger than 4 MiB`]);
  });

  it('a manifest that is not JSON, or not an image manifest, is malformed', async () => {
    registry.manifest('{"layers": [', OCI_MANIFEST, TAG);
    expect((await lookup(registry)).malformed).toEqual([`tag ${TAG}: manifest is not JSON`]);
    registry.manifest({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] }, OCI_INDEX, TAG);
    expect((await lookup(registry)).malformed).toEqual([`tag ${TAG}: not an image manifest (media type "${OCI_INDEX}")`]);
  });

  it('a tag manifest that does not match the digest the registry states for it is malformed', async () => {
    signByTag(registry, IMAGE);
    const stated = sha256('something else');
    registry.override = (request, response) => {
      if (request.url !== `/v2/acme/worker/manifests/${TAG}`) return false;
      const stored = registry.manifests.get(TAG);
      response.writeHead(200, { 'content-type': OCI_MANIFEST, 'docker-content-digest': stated });
      response.end(stored?.body);
      return true;
    };
    const found = await lookup(registry);
    expect(found.found).toEqual([]);
    expect(found.malformed).toEqual([`tag ${TAG}: manifest does not match the digest the registry states (${stated})`]);
  });

  it('a missing or invalid base64 signature annotation still returns the payload, with the reason', async () => {
    signByTag(registry, IMAGE, { annotation: null });
    signByReferrer(registry, IMAGE, { annotation: 'not base64!', payload: payloadFor(IMAGE).replace('null', '{}') });
    const found = await lookup(registry);
    expect(found.found.map((signature) => signature.signature)).toEqual([
      { malformed: `no ${SIGNATURE_ANNOTATION} annotation` },
      { malformed: `the ${SIGNATURE_ANNOTATION} annotation is not base64` },
    ]);
    expect(found.found.every((signature) => signature.payload.byteLength > 0)).toBe(true);
    expect(found.malformed).toEqual([]);
  });

  it('a layer of another media type, or a payload larger than 1 MiB by its descriptor, is listed and not downloaded', async () => {
    const other = signByTag(registry, IMAGE, { layerMediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' });
    const layer = { mediaType: SIMPLE_SIGNING, digest: sha256('huge'), size: 2 * 1024 * 1024 };
    const manifest = registry.manifest({ schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [layer] }, OCI_MANIFEST);
    registry.referrers.set(IMAGE, [{ mediaType: OCI_MANIFEST, digest: manifest, size: registry.manifests.get(manifest)?.body.byteLength, artifactType: SIG_ARTIFACT }]);
    // The referrer names no subject: listed as such; give it one to reach the layer.
    const found = await lookup(registry);
    expect(found.malformed).toEqual([
      `tag ${TAG} (${other.manifest}) layer 1: media type "application/vnd.oci.image.layer.v1.tar+gzip" is not a cosign simple-signing payload`,
      `referrer ${manifest}: its subject is not ${IMAGE}`,
    ]);
    const withSubject = registry.manifest({ schemaVersion: 2, mediaType: OCI_MANIFEST, layers: [layer], subject: { mediaType: OCI_MANIFEST, digest: IMAGE, size: 1 } }, OCI_MANIFEST);
    registry.referrers.set(IMAGE, [{ mediaType: OCI_MANIFEST, digest: withSubject, size: registry.manifests.get(withSubject)?.body.byteLength, artifactType: SIG_ARTIFACT }]);
    expect((await lookup(registry)).malformed).toContain(`referrer ${withSubject} layer 1: payload of ${2 * 1024 * 1024} bytes is larger than 1 MiB`);
    expect(registry.requests.filter((request) => request.path.includes('/blobs/'))).toEqual([]);
  });

  it('a referrer whose manifest does not match its listed digest, or that cannot be fetched, is malformed', async () => {
    const signed = signByReferrer(registry, IMAGE);
    const stored = registry.manifests.get(signed.manifest);
    if (stored === undefined) throw new Error('no manifest');
    registry.manifests.set(signed.manifest, { ...stored, body: Buffer.concat([stored.body, Buffer.from(' ')]) });
    const listed = sha256('never stored');
    registry.referrers.get(IMAGE)?.push({ mediaType: OCI_MANIFEST, digest: listed, size: 10, artifactType: SIG_ARTIFACT }, { artifactType: SIG_ARTIFACT, digest: 'md5:x' });
    const found = await lookup(registry);
    expect(found.found).toEqual([]);
    expect(found.malformed).toEqual([
      `referrer ${signed.manifest}: manifest does not match its digest`,
      `referrer ${listed}: manifest not found (HTTP 404)`,
      'referrers entry 3: a descriptor without a media type',
    ]);
    expect(found.looked).toEqual([`tag ${TAG}: not found`, 'referrers: no signature']);
  });

  it('a referrers answer that is not an index is malformed, and the tag is still read', async () => {
    signByTag(registry, IMAGE);
    registry.override = (request, response) => {
      if (!request.url?.includes('/referrers/')) return false;
      response.writeHead(200, { 'content-type': OCI_INDEX });
      response.end('<html>');
      return true;
    };
    const found = await lookup(registry);
    expect(found.found).toHaveLength(1);
    expect(found.looked).toEqual([`tag ${TAG}: 1 signature`, 'referrers: unusable']);
    expect(found.malformed).toEqual(['referrers index: index is not JSON']);
  });

  it('reads at most 32 signatures', async () => {
    const layers = Array.from({ length: 40 }, (_, i) => {
      const payload = payloadFor(IMAGE).replace('null', `{"n":${i}}`);
      return { mediaType: SIMPLE_SIGNING, digest: registry.blob(payload), size: Buffer.byteLength(payload), annotations: { [SIGNATURE_ANNOTATION]: 'c2ln' } };
    });
    registry.manifest({ schemaVersion: 2, mediaType: OCI_MANIFEST, layers }, OCI_MANIFEST, TAG);
    signByReferrer(registry, IMAGE);
    const found = await lookup(registry);
    expect(found.found).toHaveLength(32);
    expect(found.malformed).toEqual(['more than 32 signatures: only the first 32 were read']);
    expect(registry.requests.filter((request) => request.path.includes('/blobs/'))).toHaveLength(32);
  });

  it('follows referrers pages on the same registry', async () => {
    const first = signByReferrer(registry, IMAGE);
    const second = signByReferrer(registry, IMAGE);
    const [one, two] = registry.referrers.get(IMAGE) ?? [];
    registry.override = (request, response) => {
      if (!request.url?.includes('/referrers/')) return false;
      const page = new URL(request.url, 'http://x').searchParams.get('page');
      response.writeHead(200, { 'content-type': OCI_INDEX, ...(page === null ? { link: `</v2/acme/worker/referrers/${IMAGE}?page=2>; rel="next"` } : {}) });
      response.end(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [page === null ? one : two] }));
      return true;
    };
    const found = await lookup(registry);
    expect(found.found.map((signature) => signature.manifest)).toEqual([first.manifest, second.manifest]);
    expect(found.looked).toEqual([`tag ${TAG}: not found`, 'referrers: 2 signatures']);
  });

  it('does not follow a referrers page on another host', async () => {
    signByReferrer(registry, IMAGE);
    const [one] = registry.referrers.get(IMAGE) ?? [];
    registry.override = (request, response) => {
      if (!request.url?.includes('/referrers/')) return false;
      response.writeHead(200, { 'content-type': OCI_INDEX, link: '<https://elsewhere.example/v2/acme/worker/referrers/x?page=2>; rel="next"' });
      response.end(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [one] }));
      return true;
    };
    const found = await lookup(registry);
    expect(found.found).toHaveLength(1);
    expect(found.malformed).toEqual(['referrers index: its next page is on another host and was not followed']);
  });
});
