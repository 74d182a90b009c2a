import { CascadeError } from '../errors.js';
import {
  decodeAuthField,
  dockerConfigPath,
  findByRegistry,
  registryKey,
  type AuthEntry,
} from './docker-config.js';
import { CredentialsUnavailableError } from './errors.js';
import { checkHelperName, credentialFromHelper, helperProgram } from './helper.js';
import type { CredentialDeps, CredentialLookup, RegistryCredential } from './types.js';

/**
 * Finds the credentials `docker pull` would use for a registry domain (as in a parsed
 * reference: docker.io, ghcr.io, registry.example.com:5000).
 *
 * Like the docker CLI, the first configured source wins and there is no fallback:
 * credHelpers[registry], then credsStore, then auths. A helper that holds nothing for the
 * registry means an anonymous pull even when auths has an entry (the CLI overwrites the file's
 * user and password with the helper's empty answer). An empty helper name ("" in credHelpers
 * or credsStore) means "use auths", as in the CLI.
 *
 * Deliberate differences from the CLI: credHelpers keys also match by host (the CLI needs
 * the exact key, e.g. https://index.docker.io/v1/ for the Hub), and only the auths entry that
 * is used gets decoded, so a broken entry for another registry does not block this one.
 * Legacy ~/.dockercfg files are not read.
 */
export async function lookupCredentials(registryDomain: string, deps: CredentialDeps): Promise<CredentialLookup> {
  const registry = registryKey(registryDomain);
  const configPath = dockerConfigPath(deps.env, deps.homedir);
  const none: CredentialLookup = { registry, source: { kind: 'none' }, credential: undefined };

  let text: string | undefined;
  try {
    text = await deps.readFile(configPath);
  } catch (error) {
    if (error instanceof CascadeError) throw error;
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'read error';
    throw new CredentialsUnavailableError(`cannot read docker config ${configPath} (${code})`, {
      cause: error,
      hint: `check the file's permissions, or point DOCKER_CONFIG at another directory`,
    });
  }
  // No config file: docker pulls anonymously, and so do we.
  if (text === undefined) return none;
  const { parseDockerConfig } = await import('./parse-config.js');
  const config = parseDockerConfig(text, configPath);

  const helperEntry = findByRegistry(config.credHelpers, registry);
  if (helperEntry !== undefined && helperEntry[1] !== '') {
    const helper = checkHelperName(helperEntry[1], `credHelpers[${JSON.stringify(helperEntry[0])}] in ${configPath}`);
    return { registry, source: { kind: 'credHelper', helper }, credential: await credentialFromHelper(helper, registry, deps.runHelper) };
  }
  if (helperEntry === undefined && config.credsStore !== undefined && config.credsStore !== '') {
    const helper = checkHelperName(config.credsStore, `credsStore in ${configPath}`);
    return { registry, source: { kind: 'credsStore', helper }, credential: await credentialFromHelper(helper, registry, deps.runHelper) };
  }

  const authEntry = findByRegistry(config.auths, registry);
  if (authEntry === undefined) return none;
  const [key, entry] = authEntry;
  const credential = credentialFromAuthEntry(entry, registry, () => `auths[${JSON.stringify(key)}] in ${configPath}`);
  return { registry, source: { kind: 'auths', configPath }, credential };
}

/** `auth` (base64 user:password) wins over username/password fields, as in the CLI's loader. */
function credentialFromAuthEntry(entry: AuthEntry, serveraddress: string, describeEntry: () => string): RegistryCredential | undefined {
  let username = entry.username ?? '';
  let password = entry.password ?? '';
  if (entry.auth !== undefined && entry.auth !== '') ({ username, password } = decodeAuthField(entry.auth, describeEntry));
  const identitytoken = entry.identitytoken ?? '';
  // An entry `docker login` left behind when a credsStore held the secret: nothing to send.
  if (username === '' && password === '' && identitytoken === '') return undefined;
  return {
    serveraddress,
    ...(username === '' ? {} : { username }),
    ...(password === '' ? {} : { password }),
    ...(identitytoken === '' ? {} : { identitytoken }),
  };
}

/**
 * Where credentials came from, for humans and logs. Never includes a password or token;
 * user names are shown (they are not secret and help spot the wrong account).
 *   "auths in /root/.docker/config.json (user alice)"
 *   "credential helper docker-credential-pass (user alice)"
 *   "credsStore docker-credential-desktop (nothing stored: anonymous)"
 *   "none: anonymous"
 */
export function describeCredentialSource(lookup: CredentialLookup): string {
  const { source, credential } = lookup;
  switch (source.kind) {
    case 'none':
      return 'none: anonymous';
    case 'auths':
      return `auths in ${source.configPath} ${describeCredential(credential, 'empty entry: anonymous')}`;
    case 'credHelper':
      return `credential helper ${helperProgram(source.helper)} ${describeCredential(credential, 'nothing stored: anonymous')}`;
    case 'credsStore':
      return `credsStore ${helperProgram(source.helper)} ${describeCredential(credential, 'nothing stored: anonymous')}`;
  }
}

function describeCredential(credential: RegistryCredential | undefined, whenMissing: string): string {
  if (credential === undefined) return `(${whenMissing})`;
  const parts: string[] = [];
  // Control characters in a user name would garble a log line.
  if (credential.username !== undefined) parts.push(`user ${credential.username.replace(/[\u0000-\u001f\u007f]/g, '')}`);
  if (credential.identitytoken !== undefined) parts.push('identity token');
  if (parts.length === 0) parts.push('password only');
  return `(${parts.join(', ')})`;
}
