/**
 * What a registry's 401 asks for, from its `WWW-Authenticate` header (RFC 7235):
 * `Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"`
 * or `Basic realm="Registry"`. A header may carry several challenges; values may be quoted and hold
 * commas (scopes do).
 */

export type Challenge =
  | { readonly scheme: 'bearer'; readonly realm: string; readonly service: string | undefined }
  | { readonly scheme: 'basic' };

export interface ParsedChallenge {
  /** Lower-cased: schemes are case-insensitive. */
  readonly scheme: string;
  /** Parameter names lower-cased, values unquoted. */
  readonly params: ReadonlyMap<string, string>;
}

/** The challenge we answer: Bearer with a realm before Basic; undefined when there is none we speak. */
export function chooseChallenge(header: string | null): Challenge | undefined {
  const challenges = header === null ? [] : parseChallenges(header);
  for (const { scheme, params } of challenges) {
    const realm = params.get('realm');
    if (scheme === 'bearer' && realm !== undefined && realm !== '') return { scheme, realm, service: params.get('service') };
  }
  return challenges.some((challenge) => challenge.scheme === 'basic') ? { scheme: 'basic' } : undefined;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;
/** An unquoted value: RFC 7235 wants a token, but a realm URL left unquoted should still read whole. */
const BARE_VALUE = /[^\s,"]+/y;

export function parseChallenges(header: string): ParsedChallenge[] {
  const challenges: ParsedChallenge[] = [];
  let at = 0;
  const skip = (chars: RegExp) => {
    while (at < header.length && chars.test(header.charAt(at))) at += 1;
  };
  const token = (pattern = TOKEN): string | undefined => {
    pattern.lastIndex = at;
    const match = pattern.exec(header);
    if (match === null) return undefined;
    at = pattern.lastIndex;
    return match[0];
  };
  const quotedString = (): string => {
    let value = '';
    for (at += 1; at < header.length && header.charAt(at) !== '"'; at += 1) {
      if (header.charAt(at) === '\\' && at + 1 < header.length) at += 1;
      value += header.charAt(at);
    }
    at += 1;
    return value;
  };

  for (;;) {
    skip(/[\s,]/);
    const scheme = token();
    if (scheme === undefined) return challenges;
    const params = new Map<string, string>();
    challenges.push({ scheme: scheme.toLowerCase(), params });
    for (;;) {
      skip(/[\s,]/);
      const start = at;
      const name = token();
      if (name === undefined) break;
      skip(/\s/);
      // A token without `=` is the next challenge's scheme.
      if (header.charAt(at) !== '=') {
        at = start;
        break;
      }
      at += 1;
      skip(/\s/);
      params.set(name.toLowerCase(), header.charAt(at) === '"' ? quotedString() : (token(BARE_VALUE) ?? ''));
    }
  }
}
