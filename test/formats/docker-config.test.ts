import { describe, expect, it } from 'vitest';
import { readDockerConfigText } from '../../src/formats/docker-config.js';

// The credentials tests (test/credentials/lookup.test.ts) cover the format through lookups; these
// pin what the reader itself hands back.
describe('readDockerConfigText', () => {
  it('reads an empty file as an empty config', () => {
    expect(readDockerConfigText(' \n')).toEqual({ ok: true, config: { auths: [], credHelpers: [], credsStore: undefined } });
  });

  it('keeps auths in file order, drops null fields and ignores keys it does not use', () => {
    const text = JSON.stringify({ auths: { 'b.io': { auth: 'x', username: null }, 'a.io': null }, credHelpers: { 'c.io': 'gh' }, credsStore: null, proxies: {} });
    expect(readDockerConfigText(text)).toEqual({
      ok: true,
      config: { auths: [['b.io', { auth: 'x' }], ['a.io', {}]], credHelpers: [['c.io', 'gh']], credsStore: undefined },
    });
  });

  it('says what is wrong without quoting the value', () => {
    expect(readDockerConfigText(JSON.stringify({ auths: { 'a.io': { password: 7 } } }))).toEqual({ ok: false, problem: 'auths["a.io"].password is not a string' });
    expect(readDockerConfigText('{"auths": sec')).toMatchObject({ ok: false, problem: expect.stringMatching(/^not valid JSON/) });
  });
});
