import { describe, expect, it } from 'vitest';
import {
  CredentialsUnavailableError,
  DOCKER_HUB_KEY,
  describeCredentialSource,
  lookupCredentials,
  registryKey,
  type CredentialDeps,
  type CredentialLookup,
  type HelperResult,
} from '../../src/credentials/index.js';

const HOME = '/home/op';
const DEFAULT_CONFIG = '/home/op/.docker/config.json';
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

type Helper = (serverUrl: string) => HelperResult;

interface Fake {
  readonly deps: CredentialDeps;
  /** Every helper call: program and what it got on stdin. */
  readonly calls: Array<{ program: string; input: string }>;
  readonly reads: string[];
}

/** config: an object is serialized, a string is used verbatim, undefined means no file. */
function fake(config: unknown, helpers: Record<string, Helper> = {}, env: Record<string, string> = {}): Fake {
  const calls: Fake['calls'] = [];
  const reads: string[] = [];
  const text = config === undefined ? undefined : typeof config === 'string' ? config : JSON.stringify(config);
  const deps: CredentialDeps = {
    env,
    homedir: HOME,
    readFile: async (path) => {
      reads.push(path);
      return text;
    },
    runHelper: async (program, input) => {
      calls.push({ program, input });
      const helper = helpers[program.replace(/^docker-credential-/, '')];
      if (helper === undefined) throw new Error(`test: no fake for ${program}`);
      return helper(input);
    },
  };
  return { deps, calls, reads };
}

const ok = (Username: string, Secret: string): Helper => (ServerURL) => ({
  exitCode: 0,
  stdout: JSON.stringify({ ServerURL, Username, Secret }),
  stderr: '',
});
const NOT_FOUND_STDOUT: Helper = () => ({ exitCode: 1, stdout: 'credentials not found in native keychain\n', stderr: '' });
const NOT_FOUND_STDERR: Helper = () => ({ exitCode: 1, stdout: '', stderr: 'credentials not found in native keychain' });

async function expectFailure(promise: Promise<unknown>): Promise<CredentialsUnavailableError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a CredentialsUnavailableError');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CredentialsUnavailableError);
  const typed = error as CredentialsUnavailableError;
  expect(typed.code).toBe('CREDENTIALS_UNAVAILABLE');
  expect(typed.exitCode).toBe(69);
  return typed;
}

describe('registryKey', () => {
  it.each([
    ['docker.io', DOCKER_HUB_KEY],
    ['index.docker.io', DOCKER_HUB_KEY],
    ['registry-1.docker.io', DOCKER_HUB_KEY],
    ['Docker.IO', DOCKER_HUB_KEY],
    ['ghcr.io', 'ghcr.io'],
    ['localhost:5000', 'localhost:5000'],
    ['registry.example.com:5000', 'registry.example.com:5000'],
    ['https://registry.example.com/v1/', 'registry.example.com'],
    ['[::1]:5000', '[::1]:5000'],
  ])('%s → %s', (domain, key) => expect(registryKey(domain)).toBe(key));
});

describe('lookupCredentials: sources and precedence', () => {
  const file = (auths: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ auths, ...extra });
  const alice = { auth: b64('alice:file-pass') };

  it.each<{
    name: string;
    domain: string;
    config: unknown;
    helpers?: Record<string, Helper>;
    source: CredentialLookup['source'];
    credential: CredentialLookup['credential'];
    stdin?: string;
  }>([
    { name: 'no config file: anonymous', domain: 'ghcr.io', config: undefined, source: { kind: 'none' }, credential: undefined },
    { name: 'empty config file: anonymous', domain: 'ghcr.io', config: '  \n', source: { kind: 'none' }, credential: undefined },
    { name: 'config without auths: anonymous', domain: 'ghcr.io', config: { psFormat: 'table' }, source: { kind: 'none' }, credential: undefined },
    {
      name: 'auths for another registry only: anonymous',
      domain: 'ghcr.io',
      config: file({ 'registry.example.com': alice }),
      source: { kind: 'none' },
      credential: undefined,
    },
    {
      name: 'auths exact key',
      domain: 'registry.example.com',
      config: file({ 'registry.example.com': alice }),
      source: { kind: 'auths', configPath: DEFAULT_CONFIG },
      credential: { serveraddress: 'registry.example.com', username: 'alice', password: 'file-pass' },
    },
    {
      name: 'auths key written with scheme and path matches by host',
      domain: 'registry.example.com',
      config: file({ 'https://registry.example.com/v1/': alice }),
      source: { kind: 'auths', configPath: DEFAULT_CONFIG },
      credential: { serveraddress: 'registry.example.com', username: 'alice', password: 'file-pass' },
    },
    {
      name: 'auths key with http scheme and upper case host',
      domain: 'registry.example.com:5000',
      config: file({ 'http://Registry.Example.com:5000/v2/': alice }),
      source: { kind: 'auths', configPath: DEFAULT_CONFIG },
      credential: { serveraddress: 'registry.example.com:5000', username: 'alice', password: 'file-pass' },
    },
    {
      name: 'auths key on another port does not match',
      domain: 'registry.example.com',
      config: file({ 'registry.example.com:5000': alice }),
      source: { kind: 'none' },
      credential: undefined,
    },
    {
      name: 'exact key wins over an earlier host match',
      domain: 'registry.example.com',
      config: file({ 'https://registry.example.com/v1/': { auth: b64('old:x') }, 'registry.example.com': alice }),
      source: { kind: 'auths', configPath: DEFAULT_CONFIG },
      credential: { serveraddress: 'registry.example.com', username: 'alice', password: 'file-pass' },
    },
    {
      name: 'Docker Hub under its v1 key',
      domain: 'docker.io',
      config: file({ [DOCKER_HUB_KEY]: { auth: b64('hubuser:hubpass') } }),
      source: { kind: 'auths', configPath: DEFAULT_CONFIG },
      credential: { serveraddress: DOCKER_HUB_KEY, username: 'hubuser', password: 'hubpass' },
    },
    {
      name: 'Docker Hub written as docker.io',
      domain: 'index.docker.io',
      config: file({ 'docker.io': { auth: b64('hubuser:hubpass') } }),
      source: { kind: 'auths', configPath: DEFAULT_CONFIG },
      credential: { serveraddress: DOCKER_HUB_KEY, username: 'hubuser', password: 'hubpass' },
    },
    {
      name: 'password with colons: split at the first colon',
      domain: 'registry.example.com',
      config: file({ 'registry.example.com': { auth: b64('bob:pa:ss::word:') } }),
      source: { kind: 'auths', configPath: DEFAULT_CONFIG },
      credential: { serveraddress: 'registry.example.com', username: 'bob', password: 'pa:ss::word:' },
    },
    {
      name: 'non-ASCII password',
      domain: 'registry.example.com',
      config: file({ 'registry.example.com': { auth: b64('zoë:pässwörd') } }),
      source: { kind: 'auths', configPath: DEFAULT_CONFIG },
      credential: { serveraddress: 'registry.example.com', username: 'zoë', password: 'pässwörd' },
    },
    {
      name: 'identitytoken entry',
      domain: 'myacr.azurecr.io',
      config: file({ 'myacr.azurecr.io': { auth: b64('00000000-0000-0000-0000-000000000000:'), identitytoken: 'refresh-tok' } }),
      source: { kind: 'auths', configPath: DEFAULT_CONFIG },
      credential: { serveraddress: 'myacr.azurecr.io', username: '00000000-0000-0000-0000-000000000000', identitytoken: 'refresh-tok' },
    },
    {
      name: 'username/password fields',
      domain: 'registry.example.com',
      config: file({ 'registry.example.com': { username: 'carol', password: 'c:pw' } }),
      source: { kind: 'auths', configPath: DEFAULT_CONFIG },
      credential: { serveraddress: 'registry.example.com', username: 'carol', password: 'c:pw' },
    },
    {
      name: 'auth wins over username/password fields',
      domain: 'registry.example.com',
      config: file({ 'registry.example.com': { auth: b64('alice:file-pass'), username: 'carol', password: 'c' } }),
      source: { kind: 'auths', configPath: DEFAULT_CONFIG },
      credential: { serveraddress: 'registry.example.com', username: 'alice', password: 'file-pass' },
    },
    {
      name: 'empty auths entry (left by docker login with a store): anonymous',
      domain: 'registry.example.com',
      config: file({ 'registry.example.com': {} }),
      source: { kind: 'auths', configPath: DEFAULT_CONFIG },
      credential: undefined,
    },
    {
      name: 'credsStore wins over auths',
      domain: 'registry.example.com',
      config: file({ 'registry.example.com': alice }, { credsStore: 'desktop' }),
      helpers: { desktop: ok('dora', 'store-pass') },
      source: { kind: 'credsStore', helper: 'desktop' },
      credential: { serveraddress: 'registry.example.com', username: 'dora', password: 'store-pass' },
      stdin: 'registry.example.com',
    },
    {
      name: 'credHelpers[host] wins over credsStore and auths',
      domain: 'registry.example.com',
      config: file({ 'registry.example.com': alice }, { credsStore: 'desktop', credHelpers: { 'registry.example.com': 'pass' } }),
      helpers: { pass: ok('pat', 'helper-pass'), desktop: ok('dora', 'store-pass') },
      source: { kind: 'credHelper', helper: 'pass' },
      credential: { serveraddress: 'registry.example.com', username: 'pat', password: 'helper-pass' },
      stdin: 'registry.example.com',
    },
    {
      name: 'credHelpers for another host: credsStore applies',
      domain: 'registry.example.com',
      config: file({}, { credsStore: 'desktop', credHelpers: { 'ghcr.io': 'pass' } }),
      helpers: { desktop: ok('dora', 'store-pass') },
      source: { kind: 'credsStore', helper: 'desktop' },
      credential: { serveraddress: 'registry.example.com', username: 'dora', password: 'store-pass' },
      stdin: 'registry.example.com',
    },
    {
      name: 'credHelpers "" forces auths despite credsStore',
      domain: 'registry.example.com',
      config: file({ 'registry.example.com': alice }, { credsStore: 'desktop', credHelpers: { 'registry.example.com': '' } }),
      source: { kind: 'auths', configPath: DEFAULT_CONFIG },
      credential: { serveraddress: 'registry.example.com', username: 'alice', password: 'file-pass' },
    },
    {
      name: 'credsStore "" means auths',
      domain: 'registry.example.com',
      config: file({ 'registry.example.com': alice }, { credsStore: '' }),
      source: { kind: 'auths', configPath: DEFAULT_CONFIG },
      credential: { serveraddress: 'registry.example.com', username: 'alice', password: 'file-pass' },
    },
    {
      name: 'Docker Hub helper gets the v1 URL on stdin',
      domain: 'docker.io',
      config: { credHelpers: { [DOCKER_HUB_KEY]: 'pass' } },
      helpers: { pass: ok('hubuser', 'hubpass') },
      source: { kind: 'credHelper', helper: 'pass' },
      credential: { serveraddress: DOCKER_HUB_KEY, username: 'hubuser', password: 'hubpass' },
      stdin: DOCKER_HUB_KEY,
    },
    {
      name: 'credHelpers key matched by host (docker.io for the Hub)',
      domain: 'docker.io',
      config: { credHelpers: { 'docker.io': 'pass' } },
      helpers: { pass: ok('hubuser', 'hubpass') },
      source: { kind: 'credHelper', helper: 'pass' },
      credential: { serveraddress: DOCKER_HUB_KEY, username: 'hubuser', password: 'hubpass' },
      stdin: DOCKER_HUB_KEY,
    },
    {
      name: 'helper Username <token>: Secret is an identity token',
      domain: 'myacr.azurecr.io',
      config: { credHelpers: { 'myacr.azurecr.io': 'acr-env' } },
      helpers: { 'acr-env': ok('<token>', 'refresh-tok') },
      source: { kind: 'credHelper', helper: 'acr-env' },
      credential: { serveraddress: 'myacr.azurecr.io', identitytoken: 'refresh-tok' },
      stdin: 'myacr.azurecr.io',
    },
    {
      name: 'helper "credentials not found" on stdout: anonymous, no fallback to auths',
      domain: 'registry.example.com',
      config: file({ 'registry.example.com': alice }, { credsStore: 'pass' }),
      helpers: { pass: NOT_FOUND_STDOUT },
      source: { kind: 'credsStore', helper: 'pass' },
      credential: undefined,
      stdin: 'registry.example.com',
    },
    {
      name: 'helper "credentials not found" on stderr: anonymous',
      domain: 'registry.example.com',
      config: { credHelpers: { 'registry.example.com': 'secretservice' } },
      helpers: { secretservice: NOT_FOUND_STDERR },
      source: { kind: 'credHelper', helper: 'secretservice' },
      credential: undefined,
      stdin: 'registry.example.com',
    },
    {
      name: 'helper answers with empty user and secret: anonymous',
      domain: 'registry.example.com',
      config: { credsStore: 'pass' },
      helpers: { pass: ok('', '') },
      source: { kind: 'credsStore', helper: 'pass' },
      credential: undefined,
      stdin: 'registry.example.com',
    },
  ])('$name', async ({ domain, config, helpers, source, credential, stdin }) => {
    const { deps, calls, reads } = fake(config, helpers);
    const lookup = await lookupCredentials(domain, deps);
    expect(reads).toEqual([DEFAULT_CONFIG]);
    expect(lookup.registry).toBe(registryKey(domain));
    expect(lookup.source).toEqual(source);
    expect(lookup.credential).toEqual(credential);
    // A helper is asked exactly once, with the registry key on stdin; otherwise never.
    expect(calls).toEqual(stdin === undefined ? [] : [{ program: `docker-credential-${(source as { helper: string }).helper}`, input: stdin }]);
  });

  it.each([
    [{ DOCKER_CONFIG: '/etc/ci-docker' }, '/etc/ci-docker/config.json'],
    [{ DOCKER_CONFIG: '' }, DEFAULT_CONFIG],
    [{}, DEFAULT_CONFIG],
  ])('env %j reads %s', async (env, path) => {
    const { deps, reads } = fake({ auths: { 'ghcr.io': { auth: b64('a:b') } } }, {}, env);
    const lookup = await lookupCredentials('ghcr.io', deps);
    expect(reads).toEqual([path]);
    expect(lookup.source).toEqual({ kind: 'auths', configPath: path });
  });
});

describe('lookupCredentials: failures', () => {
  const SECRET = 'hunter2-very-secret';

  // A failing helper's output, stdout or stderr, is never in the message: only its name and exit status.
  it.each<{ name: string; helper: Helper; message: string }>([
    {
      name: 'helper crash: a stack trace on stderr, half the credentials JSON on stdout',
      helper: () => ({
        exitCode: 2,
        stdout: `{"ServerURL":"registry.example.com","Username":"u","Secret":"${SECRET}"`,
        stderr: 'panic: runtime error: index out of range\ngoroutine 1 [running]:\nmain.main()',
      }),
      message: 'credential helper docker-credential-pass exited with status 2',
    },
    {
      name: 'helper prints the secret on stderr',
      helper: () => ({ exitCode: 1, stdout: '', stderr: `debug: token=${SECRET}\n` }),
      message: 'credential helper docker-credential-pass exited with status 1',
    },
    {
      name: 'helper fails with its error only on stdout',
      helper: () => ({ exitCode: 1, stdout: `gpg: decryption failed: ${SECRET}`, stderr: '' }),
      message: 'credential helper docker-credential-pass exited with status 1',
    },
    {
      name: 'helper echoes its stdout to stderr, in colour',
      helper: () => ({ exitCode: 1, stdout: `token ${SECRET}`, stderr: `\u001b[31mtoken ${SECRET}\u001b[0m\n` }),
      message: 'credential helper docker-credential-pass exited with status 1',
    },
    {
      name: 'helper exits 0 with output that is not JSON',
      helper: () => ({ exitCode: 0, stdout: `Secret=${SECRET}`, stderr: '' }),
      message: 'credential helper docker-credential-pass printed something that is not credentials JSON for registry.example.com (not shown: it may hold a secret)',
    },
    {
      name: 'helper exits 0 with JSON of the wrong shape',
      helper: () => ({ exitCode: 0, stdout: JSON.stringify({ Username: 'u', Secret: [SECRET] }), stderr: `warning: ${SECRET}` }),
      message: 'credential helper docker-credential-pass printed something that is not credentials JSON for registry.example.com (not shown: it may hold a secret)',
    },
  ])('$name', async ({ helper, message }) => {
    const { deps } = fake({ credsStore: 'pass' }, { pass: helper });
    const error = await expectFailure(lookupCredentials('registry.example.com', deps));
    expect(error.message).toBe(message);
    const everything = `${error.message}\n${error.hint ?? ''}\n${String(error.cause ?? '')}`;
    for (const leak of [SECRET, 'goroutine', 'panic', 'gpg', 'token', 'debug', 'warning']) expect(everything).not.toContain(leak);
  });

  it('a helper runner that throws is wrapped, naming the helper', async () => {
    const { deps } = fake({ credHelpers: { 'ghcr.io': 'gh' } });
    const error = await expectFailure(lookupCredentials('ghcr.io', deps));
    expect(error.message).toBe('credential helper docker-credential-gh could not be run');
  });

  it('a CascadeError from the runner passes through unchanged', async () => {
    const thrown = new CredentialsUnavailableError('credential helper docker-credential-gh is not installed (not found on PATH)');
    const { deps } = fake({ credHelpers: { 'ghcr.io': 'gh' } });
    const error = await expectFailure(lookupCredentials('ghcr.io', { ...deps, runHelper: () => Promise.reject(thrown) }));
    expect(error).toBe(thrown);
  });

  it.each<{ name: string; text: string; mentions: string }>([
    { name: 'not JSON', text: `{"auths": {"ghcr.io": {"auth": "${SECRET}"}`, mentions: 'not valid JSON' },
    { name: 'trailing garbage', text: `{"auths": {}} ${SECRET}`, mentions: 'not valid JSON (line 1, column' },
    { name: 'an array', text: `["${SECRET}"]`, mentions: 'the top level is not a JSON object' },
    { name: 'auths is a list', text: JSON.stringify({ auths: [SECRET] }), mentions: '"auths" is not an object' },
    { name: 'entry is a string', text: JSON.stringify({ auths: { 'ghcr.io': SECRET } }), mentions: 'auths["ghcr.io"] is not an object' },
    { name: 'auth is a number', text: JSON.stringify({ auths: { 'ghcr.io': { auth: 42 } } }), mentions: 'auths["ghcr.io"].auth is not a string' },
    { name: 'credHelpers value is not a string', text: JSON.stringify({ credHelpers: { 'ghcr.io': true } }), mentions: 'credHelpers["ghcr.io"] is not a string' },
    { name: 'credsStore is an object', text: JSON.stringify({ credsStore: { name: 'pass' } }), mentions: '"credsStore" is not a string' },
  ])('malformed config ($name): clear error naming the file, no content quoted', async ({ text, mentions }) => {
    const { deps } = fake(text);
    const error = await expectFailure(lookupCredentials('ghcr.io', deps));
    expect(error.message).toContain(`docker config ${DEFAULT_CONFIG} is malformed`);
    expect(error.message).toContain(mentions);
    expect(error.message).not.toContain(SECRET);
    expect(error.cause).toBeUndefined();
  });

  it.each([
    ['not base64', `${SECRET}!!`, '"auth" is not valid base64'],
    ['no colon', b64(SECRET), '"auth" does not decode to user:password'],
  ])('auths entry whose auth is %s: error naming the entry and file', async (_what, auth, mentions) => {
    const { deps } = fake({ auths: { 'https://ghcr.io/v1/': { auth } } });
    const error = await expectFailure(lookupCredentials('ghcr.io', deps));
    expect(error.message).toBe(`auths["https://ghcr.io/v1/"] in ${DEFAULT_CONFIG}: ${mentions}`);
  });

  it('a broken auths entry for another registry does not matter', async () => {
    const { deps } = fake({ auths: { 'other.example.com': { auth: 'nope!' }, 'ghcr.io': { auth: b64('a:b') } } });
    await expect(lookupCredentials('ghcr.io', deps)).resolves.toMatchObject({ credential: { username: 'a', password: 'b' } });
  });

  it.each(['../../tmp/evil', 'pass --debug', 'a/b'])('helper name %j is refused before running anything', async (name) => {
    const { deps, calls } = fake({ credsStore: name });
    const error = await expectFailure(lookupCredentials('ghcr.io', deps));
    expect(error.message).toContain(`credsStore in ${DEFAULT_CONFIG} names an invalid credential helper`);
    expect(calls).toEqual([]);
  });

  it('an unreadable config file is an error naming it', async () => {
    const { deps } = fake(undefined);
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    const error = await expectFailure(lookupCredentials('ghcr.io', { ...deps, readFile: () => Promise.reject(denied) }));
    expect(error.message).toBe(`cannot read docker config ${DEFAULT_CONFIG} (EACCES)`);
  });
});

describe('describeCredentialSource', () => {
  const lookup = (source: CredentialLookup['source'], credential: CredentialLookup['credential']): CredentialLookup => ({
    registry: 'registry.example.com',
    source,
    credential,
  });
  const server = 'registry.example.com';

  it.each<[CredentialLookup, string]>([
    [lookup({ kind: 'none' }, undefined), 'none: anonymous'],
    [
      lookup({ kind: 'auths', configPath: '/root/.docker/config.json' }, { serveraddress: server, username: 'alice', password: 'pw-1' }),
      'auths in /root/.docker/config.json (user alice)',
    ],
    [lookup({ kind: 'auths', configPath: '/c/config.json' }, undefined), 'auths in /c/config.json (empty entry: anonymous)'],
    [
      lookup({ kind: 'auths', configPath: '/c/config.json' }, { serveraddress: server, username: 'u', identitytoken: 'tok-1' }),
      'auths in /c/config.json (user u, identity token)',
    ],
    [lookup({ kind: 'credHelper', helper: 'pass' }, { serveraddress: server, username: 'alice', password: 'pw-1' }), 'credential helper docker-credential-pass (user alice)'],
    [lookup({ kind: 'credHelper', helper: 'acr-env' }, { serveraddress: server, identitytoken: 'tok-1' }), 'credential helper docker-credential-acr-env (identity token)'],
    [lookup({ kind: 'credsStore', helper: 'desktop' }, undefined), 'credsStore docker-credential-desktop (nothing stored: anonymous)'],
    [lookup({ kind: 'credsStore', helper: 'desktop' }, { serveraddress: server, password: 'pw-1' }), 'credsStore docker-credential-desktop (password only)'],
    [lookup({ kind: 'credHelper', helper: 'pass' }, { serveraddress: server, username: 'evil\nuser\u001b[31m', password: 'pw-1' }), 'credential helper docker-credential-pass (user eviluser[31m)'],
  ])('%j → %s', (input, expected) => {
    const text = describeCredentialSource(input);
    expect(text).toBe(expected);
    expect(text).not.toContain('pw-1');
    expect(text).not.toContain('tok-1');
  });
});
