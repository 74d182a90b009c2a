// The registry adapter: finds an image's cosign signatures in its registry (tag scheme and OCI 1.1
// referrers) over Node's fetch. The only folder that talks to registries directly.
import { InvalidReferenceError } from '../errors.js';
import type { RegistryCredentials } from '../ports/credentials.js';
import type { SignatureSource, SignatureTarget } from '../ports/signatures.js';
import { parseNormalizedNamed } from '../reference/index.js';
import { RegistryClient } from './client.js';
import { registryHost } from './hosts.js';
import { Collector } from './collector.js';
import { findByTag } from './cosign-tags.js';
import { REQUEST_TIMEOUT_MS } from './limits.js';
import { findByReferrers } from './referrers.js';

export { signatureTag } from './cosign-tags.js';
export { HUB_REGISTRY_HOST, isLoopbackHost, registryHost, registryOrigin } from './hosts.js';
export { MANIFEST_LIMIT, MAX_SIGNATURES, PAYLOAD_LIMIT, REQUEST_TIMEOUT_MS } from './limits.js';

export interface SignatureSourceDeps {
  /** The same lookup a pull uses; asked only when the registry wants credentials. */
  readonly credentials: RegistryCredentials;
  /** Tests only; defaults to Node's global fetch (read on first use: undici loads lazily). */
  readonly fetch?: typeof fetch;
  /** Per request, connecting to the answer's last byte; tests only. */
  readonly timeoutMs?: number;
}

export function createSignatureSource(deps: SignatureSourceDeps): SignatureSource {
  const fetchFn: typeof fetch = deps.fetch ?? ((input, init) => globalThis.fetch(input, init));
  return {
    async find(target, options = {}) {
      checkTarget(target);
      const client = new RegistryClient({ ...target, credentials: deps.credentials, fetch: fetchFn, timeoutMs: deps.timeoutMs ?? REQUEST_TIMEOUT_MS, signal: options.signal });
      const collector = new Collector();
      // One after the other: the order of what is found and looked at stays the same run to run,
      // and the second lookup reuses the first one's token.
      await findByTag(client, collector, target.digest);
      await findByReferrers(client, collector, target.digest);
      return collector.result();
    },
  };
}

/** The parts go into URLs: they must be what the reference grammar makes of them, normalized. */
function checkTarget({ domain, repository, digest }: SignatureTarget): void {
  const reference = `${domain}/${repository}@${digest}`;
  const parsed = parseNormalizedNamed(reference);
  if (!parsed.ok) throw new InvalidReferenceError(reference, parsed.error);
  if (parsed.value.domain !== domain || parsed.value.path !== repository || parsed.value.digest !== digest) {
    throw new InvalidReferenceError(reference, `not a normalized domain, repository and digest (${parsed.value.domain}/${parsed.value.path})`);
  }
  // The grammar takes 127.0.0.256 as a name; a URL does not.
  if (!URL.canParse(`https://${registryHost(domain)}/`)) throw new InvalidReferenceError(reference, `${domain} is neither a host name nor an address`);
}
