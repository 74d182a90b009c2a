// Registry credentials found the way the docker CLI finds them (config.json, credential helpers).
export type { CredentialDeps, CredentialLookup, CredentialSource, HelperResult, RegistryCredential } from './types.js';
export { CredentialsUnavailableError } from './errors.js';
export { DOCKER_HUB_KEY, dockerConfigPath, registryKey } from './docker-config.js';
export { createHelperRunner, type HelperRunnerOptions } from './helper.js';
export { describeCredentialSource, lookupCredentials } from './lookup.js';
export { readOptionalTextFile } from './read-file.js';
export { dockerCredentials } from './registry-credentials.js';
