import type { RegistryCredentials } from '../ports/credentials.js';
import { createHelperRunner } from './helper.js';
import { describeCredentialSource, lookupCredentials } from './lookup.js';
import { readOptionalTextFile } from './read-file.js';

/** The credentials port over the real docker config and credential helpers. */
export function dockerCredentials(options: { readonly env: Readonly<Record<string, string | undefined>>; readonly homedir: string }): RegistryCredentials {
  const deps = { env: options.env, homedir: options.homedir, readFile: readOptionalTextFile, runHelper: createHelperRunner({ env: options.env }) };
  return {
    forRegistry: async (domain) => (await lookupCredentials(domain, deps)).credential,
    describeSource: async (domain) => describeCredentialSource(await lookupCredentials(domain, deps)),
  };
}
