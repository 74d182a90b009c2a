/** What dockerode sends as X-Registry-Auth: the docker CLI's AuthConfig, lower-cased keys. */
export interface RegistryCredential {
  readonly serveraddress: string;
  readonly username?: string;
  readonly password?: string;
  /** An OAuth refresh token; the engine exchanges it instead of a password. */
  readonly identitytoken?: string;
}

/** Where the credential (or its absence) came from, for `describeCredentialSource` and --json. */
export type CredentialSource =
  | { readonly kind: 'none' }
  | { readonly kind: 'auths'; readonly configPath: string }
  /** credHelpers[registry] in config.json; `helper` is the <name> of docker-credential-<name>. */
  | { readonly kind: 'credHelper'; readonly helper: string }
  /** credsStore in config.json; same naming as credHelper. */
  | { readonly kind: 'credsStore'; readonly helper: string };

export interface CredentialLookup {
  /** The key the docker CLI uses for this registry: see `registryKey`. */
  readonly registry: string;
  readonly source: CredentialSource;
  /** undefined: pull anonymously (nothing configured, or the source holds nothing for it). */
  readonly credential: RegistryCredential | undefined;
}

export interface HelperResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Everything `lookupCredentials` needs from the outside world, so it stays testable. */
export interface CredentialDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homedir: string;
  /** Resolves undefined when the file does not exist; rejects on other read errors. */
  readonly readFile: (path: string) => Promise<string | undefined>;
  /**
   * Runs `<program> get` with `input` on stdin (program is `docker-credential-<name>`).
   * Resolves with the exit code even when it is non-zero; rejects only when the program
   * could not be run to completion (not installed, timed out, killed).
   */
  readonly runHelper: (program: string, input: string) => Promise<HelperResult>;
}
