import { AnswerProblem, quoted } from './answer.js';
import type { RegistryClient } from './client.js';
import { signatures, type Collector } from './collector.js';
import { sha256Digest } from './content.js';
import { descriptorOf, imageIndexOf, imageManifestOf } from './descriptors.js';
import { MANIFEST_LIMIT, MAX_REFERRER_PAGES, MAX_SIGNATURES, mebibytes } from './limits.js';
import { COSIGN_SIGNATURE_ARTIFACT, MANIFEST_TYPES, OCI_INDEX, OCI_MANIFEST } from './media-types.js';
import { readSignatures } from './signature-manifest.js';

/**
 * OCI 1.1 referrers: `GET /v2/<repo>/referrers/<digest>` lists the artifacts whose subject is the
 * image; cosign's OCI 1.1 mode attaches each signature manifest there with its own artifactType.
 * A registry without the API answers 404 ("not offered"). Pages (`Link: <…>; rel="next"`) are
 * followed on the registry's own origin, up to MAX_REFERRER_PAGES.
 */
export async function findByReferrers(client: RegistryClient, collector: Collector, digest: string): Promise<void> {
  let url: URL | undefined = client.url(`referrers/${digest}`);
  let count = 0;
  let manifests = 0;
  let others = 0;
  try {
    for (let page = 0; url !== undefined; page += 1) {
      const answer = await client.get(url, OCI_INDEX, MANIFEST_LIMIT);
      if (!answer.found) {
        if (page === 0) {
          collector.look(`referrers: not offered${answer.status === 404 ? '' : ` (HTTP ${answer.status})`}`);
          return;
        }
        throw new AnswerProblem(`page ${page + 1}: HTTP ${answer.status}`);
      }
      const index = imageIndexOf(answer.body, answer.headers.get('content-type'));
      let capped = false;
      for (const [position, entry] of index.manifests.entries()) {
        if (!isSignatureEntry(entry)) {
          others += 1;
          continue;
        }
        // Bounded by manifests as well as signatures: an index may list many that carry none.
        capped = collector.full || manifests >= MAX_SIGNATURES;
        if (capped) {
          collector.cap();
          break;
        }
        manifests += 1;
        count += await readReferrer(client, collector, entry, digest, `referrers entry ${position + 1}`);
      }
      url = capped ? undefined : nextPage(answer.headers.get('link'), answer.url, client.origin, page, collector);
    }
    const besides = others === 0 ? '' : ` (${others} other artifact${others === 1 ? '' : 's'})`;
    collector.look(`referrers: ${manifests === 0 ? 'no cosign signature' : signatures(count)}${besides}`);
  } catch (error) {
    if (!(error instanceof AnswerProblem)) throw error;
    collector.look('referrers: unusable');
    collector.unusable(`referrers index: ${error.reason}`);
  }
}

function isSignatureEntry(entry: unknown): boolean {
  return typeof entry === 'object' && entry !== null && (entry as { artifactType?: unknown }).artifactType === COSIGN_SIGNATURE_ARTIFACT;
}

/** One signature manifest listed in the index: fetched by digest, checked against it and its subject. */
async function readReferrer(client: RegistryClient, collector: Collector, entry: unknown, subject: string, position: string): Promise<number> {
  let label = position;
  try {
    const descriptor = descriptorOf(entry);
    label = `referrer ${descriptor.digest}`;
    if (descriptor.mediaType !== OCI_MANIFEST) throw new AnswerProblem(`listed with media type ${quoted(descriptor.mediaType)}, not an image manifest`);
    if (descriptor.size > MANIFEST_LIMIT) throw new AnswerProblem(`manifest of ${descriptor.size} bytes is larger than ${mebibytes(MANIFEST_LIMIT)}`);
    const answer = await client.get(client.url(`manifests/${descriptor.digest}`), MANIFEST_TYPES.join(', '), MANIFEST_LIMIT);
    if (!answer.found) throw new AnswerProblem(`manifest not found (HTTP ${answer.status})`);
    if (sha256Digest(answer.body) !== descriptor.digest) throw new AnswerProblem('manifest does not match its digest');
    const manifest = imageManifestOf(answer.body, answer.headers.get('content-type'));
    // The index is the registry's say-so; the manifest itself must name the image as its subject.
    if (manifest.subject !== subject) throw new AnswerProblem(`its subject is not ${subject}`);
    return await readSignatures(client, collector, { source: 'referrers', digest: descriptor.digest, label, layers: manifest.layers });
  } catch (error) {
    if (!(error instanceof AnswerProblem)) throw error;
    collector.unusable(`${label}: ${error.reason}`);
    return 0;
  }
}

/** The next page from a Link header, on the registry's own origin only (our token goes with it). */
function nextPage(link: string | null, current: URL, registry: URL, page: number, collector: Collector): URL | undefined {
  const target = link === null ? undefined : /<([^>]*)>\s*;[^,]*\brel="?next"?/i.exec(link)?.[1];
  if (target === undefined || !URL.canParse(target, current.href)) return undefined;
  const next = new URL(target, current);
  if (next.origin !== registry.origin) {
    collector.unusable('referrers index: its next page is on another host and was not followed');
    return undefined;
  }
  if (page + 1 >= MAX_REFERRER_PAGES) {
    collector.unusable(`referrers index: more than ${MAX_REFERRER_PAGES} pages, the rest were not read`);
    return undefined;
  }
  return next;
}
