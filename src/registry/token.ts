import { RegistryUnavailableError } from '../errors.js';
import type { RegistryAuth } from '../ports/docker.js';
import { AnswerProblem } from './answer.js';
import type { Challenge } from './challenge.js';
import { isSafeUrl } from './hosts.js';
import { describeRequest, exchange, type HttpContext } from './http.js';
import { TOKEN_ANSWER_LIMIT } from './limits.js';

/**
 * The Authorization header that answers a registry's challenge, as the docker daemon builds it:
 * Basic from the username and password; for Bearer, a token from the realm, asked for with Basic
 * credentials (or anonymously), or with an identity token through the OAuth2 refresh-token grant.
 * Always pull scope on one repository: a lookup never needs more.
 */

/** Sent as the OAuth2 client_id, as the docker CLI sends `docker`. */
const CLIENT_ID = 'cascade-image';

/** What a token may hold to go into a header (RFC 6750 b64token, and JWT's dots): anything else is refused unsent. */
const HEADER_SAFE_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

export interface AuthorizeContext {
  readonly http: HttpContext;
  /** As in the reference (`docker.io`), for hints. */
  readonly domain: string;
  readonly repository: string;
}

export async function authorizationFor(challenge: Challenge, auth: RegistryAuth | undefined, context: AuthorizeContext): Promise<string> {
  if (challenge.scheme === 'basic') {
    if (auth?.username === undefined || auth.password === undefined) {
      throw new RegistryUnavailableError(context.http.host, `it asks for a username and password and there are none for ${context.domain}`, { hint: loginHint(context.domain) });
    }
    return basic(auth.username, auth.password);
  }
  return `Bearer ${await bearerToken(challenge, auth, context)}`;
}

async function bearerToken(challenge: Extract<Challenge, { scheme: 'bearer' }>, auth: RegistryAuth | undefined, context: AuthorizeContext): Promise<string> {
  const { http } = context;
  const realm = URL.canParse(challenge.realm) ? new URL(challenge.realm) : undefined;
  // The realm is the registry's word: credentials go there only over https (or to loopback).
  if (realm === undefined || !isSafeUrl(realm)) {
    throw new RegistryUnavailableError(http.host, 'its token service is not an https address');
  }
  const scope = `repository:${context.repository}:pull`;
  const params = new URLSearchParams(challenge.service === undefined ? { scope } : { service: challenge.service, scope });
  let request: Parameters<typeof exchange>[0];
  if (auth?.identitytoken !== undefined && auth.identitytoken !== '') {
    params.set('grant_type', 'refresh_token');
    params.set('refresh_token', auth.identitytoken);
    params.set('client_id', CLIENT_ID);
    request = { url: realm, method: 'POST', body: params };
  } else {
    for (const [name, value] of params) realm.searchParams.set(name, value);
    const headers: Record<string, string> = auth?.username === undefined ? {} : { authorization: basic(auth.username, auth.password ?? '') };
    request = { url: realm, headers };
  }

  const what = describeRequest(request.method ?? 'GET', realm, http.host);
  const answer = await exchange(request, http);
  if (answer.status === 401 || answer.status === 403) {
    await answer.discard();
    const whose = auth === undefined ? 'an anonymous token' : `the credentials for ${context.domain}`;
    throw new RegistryUnavailableError(http.host, `its token service refused ${whose} (HTTP ${answer.status} for ${what})`, { hint: loginHint(context.domain) });
  }
  if (answer.status !== 200) {
    await answer.discard();
    throw new RegistryUnavailableError(http.host, `its token service answered HTTP ${answer.status} (${what})`);
  }
  let token: unknown;
  try {
    const body = JSON.parse(Buffer.from(await answer.read(TOKEN_ANSWER_LIMIT)).toString('utf8')) as { token?: unknown; access_token?: unknown } | null;
    token = body?.token ?? body?.access_token;
  } catch (error) {
    // Neither the answer nor JSON.parse's message (which quotes it) is kept: it may hold a token.
    if (!(error instanceof AnswerProblem) && !(error instanceof SyntaxError)) throw error;
  }
  if (typeof token !== 'string' || !HEADER_SAFE_TOKEN.test(token)) {
    throw new RegistryUnavailableError(http.host, `its token service answered without a usable token (${what})`);
  }
  return token;
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

export function loginHint(domain: string): string {
  return `check the credentials docker has for ${domain} (\`docker login ${domain}\`)`;
}
