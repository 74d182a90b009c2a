import type { FoundSignature } from '../ports/signatures.js';
import { AnswerProblem, quoted } from './answer.js';
import type { RegistryClient } from './client.js';
import type { Collector } from './collector.js';
import { decodeBase64, sha256Digest } from './content.js';
import { descriptorOf, type Descriptor } from './descriptors.js';
import { mebibytes, PAYLOAD_LIMIT } from './limits.js';
import { SIGNATURE_ANNOTATION, SIMPLE_SIGNING } from './media-types.js';

/**
 * The signatures in one cosign signature manifest, however it was found: each simple-signing layer
 * is a payload blob (fetched and checked against its digest) with the signature in an annotation.
 * A layer that cannot be used is listed as malformed and the others are still read.
 */
export interface SignatureManifest {
  readonly source: FoundSignature['source'];
  /** The manifest's digest. */
  readonly digest: string;
  /** How reasons name the manifest: "tag sha256-….sig", "referrer sha256:…". */
  readonly label: string;
  readonly layers: readonly unknown[];
}

/** Reads the manifest's signatures into the collector; returns how many it found. */
export async function readSignatures(client: RegistryClient, collector: Collector, manifest: SignatureManifest): Promise<number> {
  let count = 0;
  for (const [index, layer] of manifest.layers.entries()) {
    const label = `${manifest.label} layer ${index + 1}`;
    try {
      const descriptor = descriptorOf(layer);
      if (descriptor.mediaType !== SIMPLE_SIGNING) throw new AnswerProblem(`media type ${quoted(descriptor.mediaType)} is not a cosign simple-signing payload`);
      if (descriptor.size > PAYLOAD_LIMIT) throw new AnswerProblem(`payload of ${descriptor.size} bytes is larger than ${mebibytes(PAYLOAD_LIMIT)}`);
      if (collector.full) {
        collector.cap();
        return count;
      }
      const payload = await payloadOf(client, descriptor);
      collector.add({ source: manifest.source, manifest: manifest.digest, payload, signature: signatureOf(descriptor) });
      count += 1;
    } catch (error) {
      if (!(error instanceof AnswerProblem)) throw error;
      collector.unusable(`${label}: ${error.reason}`);
    }
  }
  return count;
}

async function payloadOf(client: RegistryClient, descriptor: Descriptor): Promise<Uint8Array> {
  const blob = await client.get(client.url(`blobs/${descriptor.digest}`), undefined, PAYLOAD_LIMIT);
  if (!blob.found) throw new AnswerProblem(`payload blob ${descriptor.digest}: not found (HTTP ${blob.status})`);
  if (sha256Digest(blob.body) !== descriptor.digest) throw new AnswerProblem(`payload blob does not match its digest ${descriptor.digest}`);
  // Only reachable with a hash collision, or a descriptor that lies about the size of the right bytes.
  if (blob.body.byteLength !== descriptor.size) throw new AnswerProblem(`payload blob is ${blob.body.byteLength} bytes, its descriptor says ${descriptor.size}`);
  return blob.body;
}

function signatureOf(descriptor: Descriptor): FoundSignature['signature'] {
  const annotation = descriptor.annotations[SIGNATURE_ANNOTATION];
  if (annotation === undefined) return { malformed: `no ${SIGNATURE_ANNOTATION} annotation` };
  return decodeBase64(annotation) ?? { malformed: `the ${SIGNATURE_ANNOTATION} annotation is not base64` };
}
