// Just enough of the distribution API, on 127.0.0.1, for signature lookups: manifests by tag or
// digest, blobs, referrers, and the two auth schemes with a token service beside them. Every request
// is recorded (method, path, headers, body) for the tests to look at.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIG_ARTIFACT = 'application/vnd.dev.cosign.artifact.sig.v1+json';
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';

export interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export type AuthMode =
  | { readonly kind: 'none' }
  /** The registry wants `Bearer <token>`; the token service at /token wants these credentials (none: anonymous). */
  | { readonly kind: 'bearer'; readonly token: string; readonly username?: string; readonly password?: string; readonly identityToken?: string }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string };

/** Answers a request before the registry does; returns true when it did (or will never answer). */
export type Override = (request: IncomingMessage, response: ServerResponse) => boolean;

export interface Stored {
  readonly body: Buffer;
  readonly mediaType: string;
}

export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export class FakeRegistry {
  readonly requests: Recorded[] = [];
  readonly manifests = new Map<string, Stored>();
  readonly blobs = new Map<string, Buffer>();
  /** Referrers index bodies by subject digest; absent subjects get an empty index; `offersReferrers = false` → 404. */
  readonly referrers = new Map<string, object[]>();
  offersReferrers = true;
  auth: AuthMode = { kind: 'none' };
  override: Override | undefined;
  private readonly sockets = new Set<Socket>();
  /** Connections that carried a request, until they close. */
  private readonly used = new Set<Socket>();
  private readonly server = createServer((request, response) => this.handle(request, response));

  static async start(): Promise<FakeRegistry> {
    const registry = new FakeRegistry();
    registry.server.on('connection', (socket) => {
      registry.sockets.add(socket);
      socket.on('close', () => {
        registry.sockets.delete(socket);
        registry.used.delete(socket);
      });
    });
    await new Promise<void>((resolve) => registry.server.listen(0, '127.0.0.1', resolve));
    return registry;
  }

  /** `127.0.0.1:<port>`: a reference's domain. */
  get domain(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  blob(content: Uint8Array | string): string {
    const body = Buffer.from(content);
    const digest = sha256(body);
    this.blobs.set(digest, body);
    return digest;
  }

  /** Stores a manifest under its digest and, when given, a tag; returns the digest. */
  manifest(content: object | string, mediaType: string, tag?: string): string {
    const body = Buffer.from(typeof content === 'string' ? content : JSON.stringify(content));
    const digest = sha256(body);
    this.manifests.set(digest, { body, mediaType });
    if (tag !== undefined) this.manifests.set(tag, { body, mediaType });
    return digest;
  }

  /** Resolves once a request whose path matches has arrived. */
  async requested(path: RegExp): Promise<void> {
    while (!this.requests.some((request) => path.test(request.path))) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /**
   * Resolves once every connection that carried a request is closed (a given-up request closed its
   * socket). Not every socket: after an abort undici opens an idle, unref'd one to its pool.
   */
  async allClosed(): Promise<void> {
    while (this.used.size > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    if (!request.socket.destroyed) this.used.add(request.socket);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      this.requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body });
      if (this.override?.(request, response) === true) return;
      const url = new URL(request.url ?? '/', 'http://registry');
      if (url.pathname === '/token') return this.token(request, url, body, response);
      if (!this.authorized(request.headers.authorization)) return this.challenge(response);
      this.serve(url.pathname, response);
    });
  }

  private serve(path: string, response: ServerResponse): void {
    const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
    if (manifest !== null) {
      const stored = this.manifests.get(decodeURIComponent(manifest[2] ?? ''));
      if (stored === undefined) return json(response, 404, { errors: [{ code: 'MANIFEST_UNKNOWN' }] });
      response.writeHead(200, { 'content-type': stored.mediaType, 'content-length': stored.body.byteLength, 'docker-content-digest': sha256(stored.body) });
      return void response.end(stored.body);
    }
    const blob = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(path);
    if (blob !== null) {
      const stored = this.blobs.get(blob[2] ?? '');
      if (stored === undefined) return json(response, 404, { errors: [{ code: 'BLOB_UNKNOWN' }] });
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': stored.byteLength });
      return void response.end(stored);
    }
    const referrers = /^\/v2\/(.+)\/referrers\/([^/]+)$/.exec(path);
    if (referrers !== null && this.offersReferrers) {
      const manifests = this.referrers.get(referrers[2] ?? '') ?? [];
      response.writeHead(200, { 'content-type': OCI_INDEX });
      return void response.end(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
    }
    json(response, 404, { errors: [{ code: 'NOT_FOUND' }] });
  }

  private authorized(header: string | undefined): boolean {
    const auth = this.auth;
    if (auth.kind === 'none') return true;
    if (auth.kind === 'basic') return header === basic(auth.username, auth.password);
    return header === `Bearer ${auth.token}`;
  }

  private challenge(response: ServerResponse): void {
    const header =
      this.auth.kind === 'basic'
        ? 'Basic realm="fake-registry"'
        : `Bearer realm="http://${this.domain}/token",service="fake-registry",scope="repository:acme/worker:pull,push"`;
    response.writeHead(401, { 'www-authenticate': header, 'content-type': 'application/json' });
    response.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED' }] }));
  }

  private token(request: IncomingMessage, url: URL, body: string, response: ServerResponse): void {
    const auth = this.auth;
    if (auth.kind !== 'bearer') return json(response, 404, {});
    if (request.method === 'POST') {
      const form = new URLSearchParams(body);
      const ok = auth.identityToken !== undefined && form.get('grant_type') === 'refresh_token' && form.get('refresh_token') === auth.identityToken;
      return ok ? json(response, 200, { access_token: auth.token, expires_in: 300 }) : json(response, 401, { error: 'invalid_grant' });
    }
    const anonymousAllowed = auth.username === undefined && auth.identityToken === undefined;
    const ok = anonymousAllowed || (auth.username !== undefined && request.headers.authorization === basic(auth.username, auth.password ?? ''));
    if (!ok || url.searchParams.get('service') !== 'fake-registry') return json(response, 401, { details: 'incorrect username or password' });
    json(response, 200, { token: auth.token, expires_in: 300 });
  }
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

function json(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** What cosign pushes: a simple-signing payload blob and a manifest whose layer points at it. */
export interface Signed {
  /** The signature manifest's digest. */
  readonly manifest: string;
  readonly payload: Buffer;
  readonly signature: Buffer;
}

export interface SignOptions {
  readonly payload?: string;
  /** The annotation as stored; null leaves it out. Default: base64 of `signature`. */
  readonly annotation?: string | null;
  readonly signature?: Buffer;
  readonly layerMediaType?: string;
  /** Store these bytes as the blob instead of the payload (its descriptor still names the payload's digest). */
  readonly blobContent?: string;
}

export function payloadFor(image: string): string {
  return JSON.stringify({ critical: { identity: { 'docker-reference': 'acme/worker' }, image: { 'docker-manifest-digest': image }, type: 'cosign container image signature' }, optional: null });
}

function layerFor(registry: FakeRegistry, image: string, options: SignOptions) {
  const payload = Buffer.from(options.payload ?? payloadFor(image));
  const signature = options.signature ?? Buffer.from(`signature over ${sha256(payload)}`);
  const digest = sha256(payload);
  registry.blobs.set(digest, options.blobContent === undefined ? payload : Buffer.from(options.blobContent));
  const annotation = options.annotation === undefined ? signature.toString('base64') : options.annotation;
  const layer = {
    mediaType: options.layerMediaType ?? SIMPLE_SIGNING,
    digest,
    size: payload.byteLength,
    ...(annotation === null ? {} : { annotations: { [SIGNATURE_ANNOTATION]: annotation } }),
  };
  return { layer, payload, signature };
}

/** Signs `image` with cosign's tag scheme: a manifest tagged sha256-<hex>.sig. */
export function signByTag(registry: FakeRegistry, image: string, options: SignOptions & { readonly mediaType?: string } = {}): Signed {
  const { layer, payload, signature } = layerFor(registry, image, options);
  const mediaType = options.mediaType ?? OCI_MANIFEST;
  const config = registry.blob('{}');
  const manifest = registry.manifest(
    { schemaVersion: 2, mediaType, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 2 }, layers: [layer] },
    mediaType,
    `${image.replace(':', '-')}.sig`,
  );
  return { manifest, payload, signature };
}

/** Signs `image` as cosign's OCI 1.1 mode does: a manifest with the image as subject, listed by referrers. */
export function signByReferrer(registry: FakeRegistry, image: string, options: SignOptions & { readonly subject?: string } = {}): Signed {
  const { layer, payload, signature } = layerFor(registry, image, options);
  const config = registry.blob('{}');
  const body = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: SIG_ARTIFACT,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: config, size: 2 },
    layers: [layer],
    subject: { mediaType: OCI_MANIFEST, digest: options.subject ?? image, size: 1234 },
  };
  const manifest = registry.manifest(body, OCI_MANIFEST);
  const size = registry.manifests.get(manifest)?.body.byteLength ?? 0;
  const list = registry.referrers.get(image) ?? [];
  list.push({ mediaType: OCI_MANIFEST, digest: manifest, size, artifactType: SIG_ARTIFACT });
  registry.referrers.set(image, list);
  return { manifest, payload, signature };
}
