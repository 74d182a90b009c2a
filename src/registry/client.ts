import { RegistryUnavailableError } from '../errors.js';
import type { RegistryCredentials } from '../ports/credentials.js';
import type { RegistryAuth } from '../ports/docker.js';
import { chooseChallenge, type Challenge } from './challenge.js';
import { registryOrigin } from './hosts.js';
import { describeRequest, exchange, type HttpContext } from './http.js';
import { authorizationFor, loginHint } from './token.js';

/** An answer we can read, or the status of one that says "not here". */
export type Fetched =
  | { readonly found: true; readonly body: Uint8Array; readonly headers: Headers; readonly url: URL }
  | { readonly found: false; readonly status: number };

export interface ClientOptions {
  readonly domain: string;
  readonly repository: string;
  readonly credentials: RegistryCredentials;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

/**
 * GETs under one repository of one registry, for one lookup. Anonymous first; on a 401 it answers
 * the challenge once (asking the credentials port only then: a helper is a process to start) and
 * keeps the authorization for the lookup's later requests. Statuses that mean the registry cannot
 * be asked (401/403 after that, 429, 5xx) throw RegistryUnavailableError; 404 and other 4xx are
 * answers (`found: false`), which the caller words.
 */
export class RegistryClient {
  readonly origin: URL;
  private readonly http: HttpContext;
  private authorization: string | undefined;
  private auth: Promise<RegistryAuth | undefined> | undefined;

  constructor(private readonly options: ClientOptions) {
    this.origin = registryOrigin(options.domain);
    this.http = { host: this.origin.host, fetch: options.fetch, timeoutMs: options.timeoutMs, signal: options.signal };
  }

  get host(): string {
    return this.http.host;
  }

  /** The URL of `path` under `/v2/<repository>/`. */
  url(path: string): URL {
    return new URL(`/v2/${this.options.repository}/${path}`, this.origin);
  }

  async get(url: URL, accept: string | undefined, limit: number): Promise<Fetched> {
    const send = () => exchange({ url, follow: true, headers: { ...(accept === undefined ? {} : { accept }), ...this.authorizationFor(url) } }, this.http);
    let answer = await send();
    if (answer.status === 401) {
      const challenge = chooseChallenge(answer.headers.get('www-authenticate'));
      await answer.discard();
      this.authorization = await this.authorize(challenge, url);
      answer = await send();
    }
    if (answer.status >= 200 && answer.status < 300) return { found: true, body: await answer.read(limit), headers: answer.headers, url: answer.url };
    await answer.discard();
    const what = describeRequest('GET', url, this.host);
    if (answer.status === 401 || answer.status === 403) {
      const credentials = await this.credentials();
      const refusal = credentials === undefined ? `it requires credentials and there are none for ${this.options.domain}` : `it refused the credentials for ${this.options.domain}`;
      throw new RegistryUnavailableError(this.host, `${refusal} (HTTP ${answer.status} for ${what})`, { hint: loginHint(this.options.domain) });
    }
    if (answer.status === 429) throw new RegistryUnavailableError(this.host, `it is limiting our requests (HTTP 429 for ${what})`, { hint: 'try again later' });
    if (answer.status >= 500) throw new RegistryUnavailableError(this.host, `it answered HTTP ${answer.status} for ${what}`);
    return { found: false, status: answer.status };
  }

  /** Our authorization goes to the registry's own origin only, whatever URL a caller was handed. */
  private authorizationFor(url: URL): Record<string, string> {
    return this.authorization === undefined || url.origin !== this.origin.origin ? {} : { authorization: this.authorization };
  }

  private async authorize(challenge: Challenge | undefined, url: URL): Promise<string> {
    if (challenge === undefined) {
      throw new RegistryUnavailableError(this.host, `it requires authentication we do not speak (HTTP 401 without a Bearer or Basic challenge for ${describeRequest('GET', url, this.host)})`);
    }
    return authorizationFor(challenge, await this.credentials(), { http: this.http, domain: this.options.domain, repository: this.options.repository });
  }

  /** The credentials a pull would use, looked up once per lookup; an entry with neither a username nor a token counts as none. */
  private credentials(): Promise<RegistryAuth | undefined> {
    this.auth ??= this.options.credentials.forRegistry(this.options.domain).then((auth) => (auth?.username || auth?.identitytoken ? auth : undefined));
    return this.auth;
  }
}
