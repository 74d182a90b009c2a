// The image configuration the adapter reads from `docker image inspect`, over documents recorded
// from a real engine (test/fixtures/inspect/, trimmed to what we map plus a little context) and
// over hostile ones: odd values are coerced or dropped, never a crash.
import { describe, expect, it } from 'vitest';
import type { ImageConfig } from '../../src/domain/index.js';
import { sendJson } from '../e2e/support/fake-engine.js';
import { recordedInspect as recorded } from '../support/inspect.js';
import { engineWith } from './engines.js';

const REF = 'cascade-fixture/good:latest';

/** The adapter's answer for an engine that returns `document` for every image inspect. */
async function inspected(document: unknown) {
  const { docker } = await engineWith((_request, response, route) => {
    if (route.startsWith('GET /images/')) sendJson(response, 200, document);
  });
  return docker.inspectImage(REF);
}

const NOTHING: ImageConfig = { user: '', entrypoint: [], cmd: [], env: [], labels: {}, sizeBytes: null, os: null, architecture: null };

describe('the configuration of recorded images', () => {
  it('a `docker import`ed image: no user, no entrypoint, the CMD and PATH build.sh gives it', async () => {
    expect((await inspected(recorded('imported-good')))?.config).toEqual({
      user: '',
      entrypoint: [],
      cmd: ['/bin/sh'],
      env: ['PATH=/usr/local/bin:/usr/bin:/bin'],
      labels: { 'cascade.fixture.hash': '147f40f54b038d21', 'cascade.fixture.variant': 'good' },
      sizeBytes: 4327679,
      os: 'linux',
      architecture: 'amd64',
    });
  });

  it('a built variant with an ENTRYPOINT: Cmd null reads as none', async () => {
    expect((await inspected(recorded('entrypoint-exit1')))?.config).toMatchObject({ entrypoint: ['/bin/sh', '-c', 'exit 1'], cmd: [] });
  });

  it('a built variant with USER, ENV, ENTRYPOINT, CMD and a LABEL', async () => {
    const facts = await inspected(recorded('configured'));
    expect(facts?.config).toEqual({
      user: '1000',
      entrypoint: ['/usr/local/bin/cascade-tools', 'run'],
      cmd: ['--help'],
      env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'LANG=C.UTF-8'],
      labels: {
        'cascade.fixture.hash': '147f40f54b038d21',
        'cascade.fixture.variant': 'good',
        'org.opencontainers.image.title': 'cascade fixture (configured)',
      },
      sizeBytes: 4327679,
      os: 'linux',
      architecture: 'amd64',
    });
    // The platform the lifecycle checks and the one config checks judge are the same.
    expect(facts).toMatchObject({ os: 'linux', architecture: 'amd64', variant: null });
  });
});

describe('hostile or odd configuration', () => {
  const base = { Id: 'sha256:1', RepoDigests: [] };

  it.each([
    ['no Config at all', {}, NOTHING],
    ['Config null', { Config: null }, NOTHING],
    ['Config a list', { Config: [1, 2] }, NOTHING],
    ['a numeric User (coerced)', { Config: { User: 1000 } }, { ...NOTHING, user: '1000' }],
    ['an object User (dropped: reads as root)', { Config: { User: { name: 'agent' } } }, NOTHING],
    ['a string Entrypoint (shell form)', { Config: { Entrypoint: '/bin/sh -c run' } }, { ...NOTHING, entrypoint: ['/bin/sh -c run'] }],
    ['junk in Cmd (kept as placeholders, never the empty list)', { Config: { Cmd: [null, 7, { a: 1 }, [1], 'x'] } }, { ...NOTHING, cmd: ['null', '7', '{…}', '[…]', 'x'] }],
    ['junk in Env (dropped)', { Config: { Env: ['A=1', 3, null, { B: 2 }] } }, { ...NOTHING, env: ['A=1'] }],
    ['Env an object', { Config: { Env: { A: '1' } } }, NOTHING],
    ['junk label values', { Config: { Labels: { a: 'x', b: 2, c: null, d: ['y'] } } }, { ...NOTHING, labels: { a: 'x', b: '2' } }],
    ['Labels a list', { Config: { Labels: ['a=b'] } }, NOTHING],
    ['a negative Size', { Size: -1 }, NOTHING],
    ['a fractional Size', { Size: 1.5 }, NOTHING],
    ['a string Size', { Size: '4 MB' }, NOTHING],
    ['empty platform strings', { Os: '', Architecture: '' }, NOTHING],
  ])('%s', async (_what, document, config) => {
    expect((await inspected({ ...base, ...document }))?.config).toEqual(config);
  });

  it('keeps a label named __proto__ as a label, not a prototype', async () => {
    const config = (await inspected(JSON.parse('{"Id":"sha256:1","RepoDigests":[],"Config":{"Labels":{"__proto__":"x","ok":"y"}}}')))?.config;
    expect(Object.getPrototypeOf(config?.labels)).toBe(Object.prototype);
    expect(Object.entries(config?.labels ?? {})).toEqual([
      ['__proto__', 'x'],
      ['ok', 'y'],
    ]);
  });

  it('cuts huge lists instead of carrying them around', async () => {
    const many = Array.from({ length: 20_000 }, (_, i) => `V${i}=x`);
    const config = (await inspected({ ...base, Config: { Env: many, Cmd: many, Labels: Object.fromEntries(many.map((e) => [e, 'x'])) } }))?.config;
    expect(config?.env).toHaveLength(4096);
    expect(config?.cmd).toHaveLength(4096);
    expect(Object.keys(config?.labels ?? {})).toHaveLength(4096);
  });
});
