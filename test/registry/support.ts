import type { RegistryCredentials } from '../../src/ports/credentials.js';
import type { RegistryAuth } from '../../src/ports/docker.js';
import type { SignatureLookup } from '../../src/ports/signatures.js';
import { createSignatureSource, type SignatureSourceDeps } from '../../src/registry/index.js';
import { sha256, type FakeRegistry } from './fake-registry.js';

/** The image whose signatures are looked up. */
export const IMAGE = sha256('the image manifest');
export const TAG = `${IMAGE.replace(':', '-')}.sig`;

/** A credentials port holding `auth` (or nothing), recording the domains it was asked for. */
export function credentialsOf(auth?: Omit<RegistryAuth, 'serveraddress'>): RegistryCredentials & { readonly asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    forRegistry: async (domain) => {
      asked.push(domain);
      return auth === undefined ? undefined : { serveraddress: domain, ...auth };
    },
    describeSource: async () => 'test credentials',
  };
}

export function lookup(registry: FakeRegistry, deps: Partial<SignatureSourceDeps> = {}, signal?: AbortSignal): Promise<SignatureLookup> {
  const source = createSignatureSource({ credentials: credentialsOf(), timeoutMs: 3_000, ...deps });
  return source.find({ domain: registry.domain, repository: 'acme/worker', digest: IMAGE }, signal === undefined ? {} : { signal });
}

/** The rejection of a promise that must reject. */
export async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}
