// Writes cosign-format signatures into a loopback registry with plain HTTP, as `cosign sign --key`
// stores them: an OCI image manifest under the tag `sha256-<hex>.sig` whose one layer is the
// simple-signing payload, with the base64 signature in the layer's `dev.cosignproject.cosign/signature`
// annotation. Keys are made here; the tests decide what the payload says (the right digest, another
// digest, another repository) to check each refusal against a real registry.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';

export interface SigningKey {
  readonly privateKey: KeyObject;
  /** Where the PEM public key was written (what `trust set --key` reads). */
  readonly publicKeyFile: string;
}

/** A P-256 key pair, cosign's default; the public half written to `file`. */
export function makeSigningKey(file: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(file, publicKey.export({ type: 'spki', format: 'pem' }));
  return { privateKey, publicKeyFile: file };
}

/** The simple-signing payload cosign signs. */
export function simpleSigningPayload(dockerReference: string, manifestDigest: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: { identity: { 'docker-reference': dockerReference }, image: { 'docker-manifest-digest': manifestDigest }, type: 'cosign container image signature' },
      optional: null,
    }),
  );
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function uploadBlob(host: string, repo: string, bytes: Buffer): Promise<string> {
  const digest = sha256(bytes);
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
  if (start.status !== 202) throw new Error(`blob upload to ${host}/${repo}: HTTP ${start.status}`);
  const location = new URL(start.headers.get('location') ?? '', `http://${host}`);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', body: bytes, headers: { 'Content-Type': 'application/octet-stream' }, signal: AbortSignal.timeout(10_000) });
  if (put.status !== 201) throw new Error(`blob upload to ${host}/${repo}: HTTP ${put.status}`);
  return digest;
}

export interface SignOptions {
  /** `<host>` of the loopback registry and the repository (`acme/worker`) holding the image. */
  readonly host: string;
  readonly repo: string;
  /** The digest the signature is stored for (its tag is derived from it). */
  readonly digest: string;
  readonly key: SigningKey;
  /** What the payload claims; by default the image's own repository and digest. */
  readonly payloadReference?: string;
  readonly payloadDigest?: string;
}

/** Signs `repo@digest` and stores the signature under `sha256-<hex>.sig`; returns the payload's bytes. */
export async function storeSignature(options: SignOptions): Promise<Buffer> {
  const payload = simpleSigningPayload(options.payloadReference ?? `${options.host}/${options.repo}`, options.payloadDigest ?? options.digest);
  const signature = sign('sha256', payload, options.key.privateKey).toString('base64');
  const config = Buffer.from('{}');
  const [payloadDigest, configDigest] = [await uploadBlob(options.host, options.repo, payload), await uploadBlob(options.host, options.repo, config)];
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: configDigest },
      layers: [
        {
          mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
          size: payload.length,
          digest: payloadDigest,
          annotations: { 'dev.cosignproject.cosign/signature': signature },
        },
      ],
    }),
  );
  const tag = `${options.digest.replace(':', '-')}.sig`;
  const put = await fetch(`http://${options.host}/v2/${options.repo}/manifests/${tag}`, {
    method: 'PUT',
    body: manifest,
    headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
    signal: AbortSignal.timeout(10_000),
  });
  if (put.status !== 201) throw new Error(`signature manifest ${options.host}/${options.repo}:${tag}: HTTP ${put.status} ${await put.text()}`);
  return payload;
}
