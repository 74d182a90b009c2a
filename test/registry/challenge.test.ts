import { describe, expect, it } from 'vitest';
import { chooseChallenge, parseChallenges } from '../../src/registry/challenge.js';

describe('WWW-Authenticate challenges', () => {
  it('reads a Bearer challenge with a quoted scope that holds commas', () => {
    const header = 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:acme/worker:pull,push"';
    expect(parseChallenges(header)).toEqual([
      { scheme: 'bearer', params: new Map([['realm', 'https://auth.docker.io/token'], ['service', 'registry.docker.io'], ['scope', 'repository:acme/worker:pull,push']]) },
    ]);
    expect(chooseChallenge(header)).toEqual({ scheme: 'bearer', realm: 'https://auth.docker.io/token', service: 'registry.docker.io' });
  });

  it('reads unquoted values, escapes, spacing and case', () => {
    expect(chooseChallenge('bearer  Realm = https://a.example/t , SERVICE="s\\"x"')).toEqual({ scheme: 'bearer', realm: 'https://a.example/t', service: 's"x' });
  });

  it('reads several challenges in one header and prefers Bearer', () => {
    const header = 'Basic realm="Registry", Bearer realm="https://a.example/token"';
    expect(parseChallenges(header).map((challenge) => challenge.scheme)).toEqual(['basic', 'bearer']);
    expect(chooseChallenge(header)).toEqual({ scheme: 'bearer', realm: 'https://a.example/token', service: undefined });
  });

  it('falls back to Basic, and to nothing for schemes we do not speak or a Bearer without a realm', () => {
    expect(chooseChallenge('Basic realm="Registry Realm"')).toEqual({ scheme: 'basic' });
    expect(chooseChallenge('Basic')).toEqual({ scheme: 'basic' });
    expect(chooseChallenge('Bearer service="x"')).toBeUndefined();
    expect(chooseChallenge('Negotiate abc==')).toBeUndefined();
    expect(chooseChallenge(null)).toBeUndefined();
  });

  it('ends on garbage instead of looping', () => {
    expect(parseChallenges('@@@')).toEqual([]);
    expect(parseChallenges('Bearer realm=@, "x')).toHaveLength(1);
    expect(chooseChallenge('Bearer realm="https://unterminated')).toEqual({ scheme: 'bearer', realm: 'https://unterminated', service: undefined });
  });
});
