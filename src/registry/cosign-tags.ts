import { AnswerProblem } from './answer.js';
import type { RegistryClient } from './client.js';
import { signatures, type Collector } from './collector.js';
import { isSha256Digest, sha256Digest } from './content.js';
import { imageManifestOf } from './descriptors.js';
import { MANIFEST_LIMIT } from './limits.js';
import { MANIFEST_TYPES } from './media-types.js';
import { readSignatures } from './signature-manifest.js';

/**
 * Cosign's tag scheme: the signatures of `sha256:<hex>` are the layers of the manifest tagged
 * `sha256-<hex>.sig` in the same repository.
 */
export function signatureTag(digest: string): string {
  return `${digest.replace(':', '-')}.sig`;
}

export async function findByTag(client: RegistryClient, collector: Collector, digest: string): Promise<void> {
  const label = `tag ${signatureTag(digest)}`;
  try {
    const answer = await client.get(client.url(`manifests/${signatureTag(digest)}`), MANIFEST_TYPES.join(', '), MANIFEST_LIMIT);
    if (!answer.found) {
      collector.look(`${label}: not found${answer.status === 404 ? '' : ` (HTTP ${answer.status})`}`);
      return;
    }
    // A tag promises no digest, but the registry may state one: bytes that do not match it were damaged on the way.
    const manifest = sha256Digest(answer.body);
    const stated = answer.headers.get('docker-content-digest');
    if (isSha256Digest(stated) && stated !== manifest) throw new AnswerProblem(`manifest does not match the digest the registry states (${stated})`);
    const { layers } = imageManifestOf(answer.body, answer.headers.get('content-type'));
    const count = await readSignatures(client, collector, { source: 'tag', digest: manifest, label: `${label} (${manifest})`, layers });
    collector.look(`${label}: ${signatures(count)}`);
  } catch (error) {
    if (!(error instanceof AnswerProblem)) throw error;
    collector.look(`${label}: unusable`);
    collector.unusable(`${label}: ${error.reason}`);
  }
}
