import { DEFAULT_DOMAIN, LEGACY_DEFAULT_DOMAIN, LOCALHOST } from '../reference/hub.js';

/** Docker Hub's registry API lives here, whatever a reference calls the Hub (as the docker daemon maps it). */
export const HUB_REGISTRY_HOST = 'registry-1.docker.io';

/** The host[:port] to ask for a reference's domain. */
export function registryHost(domain: string): string {
  return domain === DEFAULT_DOMAIN || domain === LEGACY_DEFAULT_DOMAIN ? HUB_REGISTRY_HOST : domain;
}

/**
 * Docker's default insecure registries: 127.0.0.0/8 (which `localhost` resolves to), and here the
 * IPv6 loopback too. Only these are asked over plain HTTP; nothing on the network is.
 */
export function isLoopbackHost(host: string): boolean {
  const name = withoutPort(host).toLowerCase();
  if (name === LOCALHOST || name === '[::1]') return true;
  const octets = name.split('.');
  return octets.length === 4 && octets[0] === '127' && octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255);
}

/** `https://host`, or `http://host` for a loopback registry. */
export function registryOrigin(domain: string): URL {
  const host = registryHost(domain);
  return new URL(`${isLoopbackHost(host) ? 'http' : 'https'}://${host}`);
}

/** Where we may send a request (a redirect, a token realm): https anywhere, plain http only to loopback. */
export function isSafeUrl(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.host));
}

/** `[::1]:5000` → `[::1]`, `localhost:5000` → `localhost`. */
function withoutPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}
