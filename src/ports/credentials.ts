import type { RegistryAuth } from './docker.js';

/**
 * Registry credentials, found as the docker CLI finds them (config.json, credential helpers).
 * Implemented under src/credentials/; secrets never leave it except as the auth of a pull.
 */
export interface RegistryCredentials {
  /** The credentials for a registry domain; undefined = pull anonymously. Throws CredentialsUnavailableError. */
  forRegistry(domain: string): Promise<RegistryAuth | undefined>;
  /** Which source would answer for the domain, in words, for `doctor`: never the secret. */
  describeSource(domain: string): Promise<string>;
}
