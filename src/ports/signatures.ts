/**
 * The signature-source port: where an image's cosign signatures are found and fetched, in our own
 * types. The adapter under src/registry/ asks the image's registry; verifying what it finds (the
 * payload, the crypto) is not its job.
 */

export interface FoundSignature {
  readonly source: 'tag' | 'referrers';
  /** Digest of the signature manifest that carried it (for messages). */
  readonly manifest: string;
  /** The simple-signing payload bytes, exactly as stored in the layer blob. */
  readonly payload: Uint8Array;
  /** The raw signature bytes (base64-decoded from the layer's `dev.cosignproject.cosign/signature` annotation), or a reason it could not be read. */
  readonly signature: Uint8Array | { readonly malformed: string };
}

export interface SignatureLookup {
  readonly found: readonly FoundSignature[];
  /** What was looked at, for a precise "no signature found" reason: e.g. ['tag sha256-….sig: not found', 'referrers: not offered']. */
  readonly looked: readonly string[];
  /** Layers or manifests that were there but not usable (wrong media type, missing annotation, too large, bad JSON), each with a reason. */
  readonly malformed: readonly string[];
}

export interface SignatureTarget {
  /** As in the reference: `127.0.0.1:5000`, `docker.io`. */
  readonly domain: string;
  /** The repository path without the domain, normalized: `acme/worker`, `library/alpine`. */
  readonly repository: string;
  /** The signed manifest's digest: `sha256:<hex>`. */
  readonly digest: string;
}

export interface SignatureSource {
  /**
   * Signatures for `repository@digest`. Throws RegistryUnavailableError when the registry cannot be
   * asked (unreachable, no answer in time, 5xx, authentication refused) and InterruptedError when
   * `signal` aborts; an answer that is there but unusable is never thrown: it is in `malformed`.
   */
  find(target: SignatureTarget, options?: { readonly signal?: AbortSignal }): Promise<SignatureLookup>;
}
