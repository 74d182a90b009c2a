// Rendering references back to strings: the canonical form (upstream String/Name)
// and the "familiar" short form the docker CLI prints.
import { DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX } from './hub.js';
import { isNamedReference, type AnyReference, type ImageReference } from './types.js';

/** Upstream Name(): domain/path, or just path when there is no domain. */
export function repositoryName(ref: ImageReference): string {
  return ref.domain === '' ? ref.path : `${ref.domain}/${ref.path}`;
}

/** Upstream String(): name[:tag][@digest]; a digest-only reference is its digest. */
export function referenceString(ref: AnyReference): string {
  if (!isNamedReference(ref)) return ref.digest;
  return withSuffixes(repositoryName(ref), ref);
}

/** Docker Hub names lose "docker.io/", and "library/" too unless a '/' remains. */
export function familiarName(ref: ImageReference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return repositoryName(ref);
  if (ref.path.startsWith(OFFICIAL_REPO_PREFIX)) {
    const remainder = ref.path.slice(OFFICIAL_REPO_PREFIX.length);
    if (!remainder.includes('/')) return remainder;
  }
  return ref.path;
}

/** The short form with tag and digest kept, as `docker images` shows it. */
export function familiarString(ref: AnyReference): string {
  if (!isNamedReference(ref)) return ref.digest;
  return withSuffixes(familiarName(ref), ref);
}

function withSuffixes(name: string, ref: ImageReference): string {
  const tag = ref.tag ? `:${ref.tag}` : '';
  const digest = ref.digest ? `@${ref.digest}` : '';
  return `${name}${tag}${digest}`;
}
