// An image of another platform without building one: the registry's copy of a pushed image, its
// config relabelled (architecture, variant) and pushed under a new tag. The layers are shared
// (cross-repository mount), so it runs on this engine exactly like the original: a smoke-test
// would pass by accident, which is what the platform check must prevent.
import { createHash } from 'node:crypto';

const MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';

interface ManifestV2 {
  schemaVersion: 2;
  mediaType: string;
  config: { mediaType: string; size: number; digest: string };
  layers: Array<{ mediaType: string; size: number; digest: string }>;
}

async function ok(response: Response, what: string): Promise<Response> {
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
  return response;
}

/** Pushes `<registry>/<toRepo>:<toTag>`, a copy of `<registry>/<fromRepo>:<fromTag>` that says it is for `architecture`. */
export async function pushRelabelledPlatform(
  registry: string,
  from: { repo: string; tag: string },
  to: { repo: string; tag: string },
  platform: { architecture: string; variant?: string },
): Promise<string> {
  const base = `http://${registry}/v2`;
  const manifest = (await (
    await ok(await fetch(`${base}/${from.repo}/manifests/${from.tag}`, { headers: { Accept: MANIFEST_V2 } }), 'get manifest')
  ).json()) as ManifestV2;
  const config = (await (await ok(await fetch(`${base}/${from.repo}/blobs/${manifest.config.digest}`), 'get config')).json()) as Record<string, unknown>;
  const relabelled = Buffer.from(JSON.stringify({ ...config, architecture: platform.architecture, ...(platform.variant === undefined ? {} : { variant: platform.variant }) }));
  const configDigest = `sha256:${createHash('sha256').update(relabelled).digest('hex')}`;

  const upload = await ok(await fetch(`${base}/${to.repo}/blobs/uploads/`, { method: 'POST' }), 'start config upload');
  const location = new URL(upload.headers.get('location') ?? '', `http://${registry}`);
  location.searchParams.set('digest', configDigest);
  await ok(await fetch(location, { method: 'PUT', body: relabelled, headers: { 'Content-Type': 'application/octet-stream' } }), 'upload config');
  for (const layer of manifest.layers) {
    const mount = `${base}/${to.repo}/blobs/uploads/?mount=${encodeURIComponent(layer.digest)}&from=${encodeURIComponent(from.repo)}`;
    const mounted = await fetch(mount, { method: 'POST' });
    if (mounted.status !== 201) throw new Error(`mount ${layer.digest}: HTTP ${mounted.status}`);
  }
  const body = JSON.stringify({ ...manifest, config: { ...manifest.config, digest: configDigest, size: relabelled.length } });
  await ok(await fetch(`${base}/${to.repo}/manifests/${to.tag}`, { method: 'PUT', body, headers: { 'Content-Type': MANIFEST_V2 } }), 'put manifest');
  return `${registry}/${to.repo}:${to.tag}`;
}
