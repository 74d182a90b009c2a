import { describe, expect, it } from 'vitest';
import { bytes, isRootUser, judgeConfigCheck } from '../../src/checks/config-checks.js';
import { imageConfigOf } from '../../src/docker/image-config.js';
import type { ConfigCheck, ConfigExpectations, ImageConfig } from '../../src/domain/index.js';
import { IMPORTED_CONFIG } from '../support/fake-docker.js';
import { recordedInspect } from '../support/inspect.js';

const check = (expect: ConfigExpectations): ConfigCheck => ({ id: 'cfg', label: 'image config', severity: 'hard', kind: 'config', expect });
const detailOf = (expect: ConfigExpectations, config: ImageConfig) => judgeConfigCheck(check(expect), config).detail;

const imported = imageConfigOf(recordedInspect('imported-good'));
const configured = imageConfigOf(recordedInspect('configured'));
const withEntrypoint = imageConfigOf(recordedInspect('entrypoint-exit1'));

describe('over recorded images', () => {
  it('an imported image runs as root with no entrypoint', () => {
    expect(judgeConfigCheck(check({ user: { notRoot: true }, entrypoint: [], path: ['/usr/bin'], os: 'linux', architecture: 'amd64' }), imported)).toEqual({
      id: 'cfg',
      label: 'image config',
      kind: 'config',
      severity: 'hard',
      passed: false,
      exitCode: null,
      output: '',
      detail: 'runs as root (User is empty)',
    });
  });

  it('the configured variant passes what its Dockerfile says', () => {
    const result = judgeConfigCheck(
      check({
        user: { is: '1000' },
        entrypoint: ['/usr/local/bin/cascade-tools', 'run'],
        cmd: ['--help'],
        env: { LANG: 'C.UTF-8', PATH: null },
        path: ['/usr/local/bin', '/bin/'],
        labels: { 'org.opencontainers.image.title': 'cascade fixture (configured)', 'cascade.fixture.hash': null },
        maxSizeBytes: 5_000_000,
        os: 'linux',
        architecture: 'amd64',
      }),
      configured,
    );
    expect(result).toMatchObject({ passed: true, detail: '' });
    expect(judgeConfigCheck(check({ user: { notRoot: true } }), configured).passed).toBe(true);
  });

  it('lists every mismatch of one check, in the order of the expectations', () => {
    expect(
      detailOf(
        {
          user: { is: 'agent' },
          entrypoint: [],
          cmd: [],
          env: { LANG: 'en_US.UTF-8', HOME: null },
          path: ['/opt/tools'],
          labels: { 'org.opencontainers.image.source': null },
          maxSizeBytes: 3_000_000,
          os: 'windows',
          architecture: 'arm64',
        },
        configured,
      ),
    ).toBe(
      [
        'user 1000, need agent',
        'entrypoint ["/usr/local/bin/cascade-tools","run"], need []',
        'cmd ["--help"], need []',
        'LANG is C.UTF-8, need en_US.UTF-8',
        'HOME not set',
        '/opt/tools not on PATH (/usr/local/bin:/usr/bin:/bin)',
        'label org.opencontainers.image.source not set',
        'size 4.33 MB, need at most 3 MB',
        'os linux, need windows',
        'architecture amd64, need arm64',
      ].join('; '),
    );
  });

  it('reads a built entrypoint and an absent cmd exactly', () => {
    expect(detailOf({ entrypoint: ['/bin/sh', '-c'], cmd: [] }, withEntrypoint)).toBe('entrypoint ["/bin/sh","-c","exit 1"], need ["/bin/sh","-c"]');
  });

  it('an empty expectation list checks nothing', () => {
    expect(judgeConfigCheck(check({}), imported)).toMatchObject({ passed: true, detail: '' });
  });
});

describe('user', () => {
  it.each([
    ['', true],
    ['root', true],
    ['0', true],
    ['root:root', true],
    ['0:0', true],
    ['0:1000', true],
    ['1000', false],
    ['agent', false],
    ['agent:0', false],
    ['rootless', false],
    ['00', true],
    ['010', false],
  ])('%j is root: %s', (user, root) => expect(isRootUser(user)).toBe(root));

  it.each([
    [{ notRoot: true } as const, 'root', 'runs as root (User is root)'],
    [{ notRoot: true } as const, '0:0', 'runs as root (User is 0:0)'],
    [{ notRoot: true } as const, 'agent', ''],
    [{ is: 'agent' }, 'agent:staff', ''],
    [{ is: '1000' }, '1000:1000', ''],
    [{ is: '1000' }, '01000', ''],
    [{ is: 'agent' }, '1000:1000', 'user 1000:1000, need agent'],
    [{ is: 'agent' }, '', 'user empty (root), need agent'],
  ])('%j with User %j', (user, configuredUser, detail) => {
    expect(detailOf({ user }, { ...IMPORTED_CONFIG, user: configuredUser })).toBe(detail);
  });
});

describe('env, PATH and labels', () => {
  const config: ImageConfig = {
    ...IMPORTED_CONFIG,
    env: ['PATH=/usr/bin:/bin', 'LANG=en_US.UTF-8', 'EMPTY=', 'FLAG', 'LANG=C.UTF-8', 'URL=a=b'],
    labels: { a: 'x', blank: '' },
  };
  it.each([
    [{ env: { LANG: 'C.UTF-8' } }, ''], // a later entry wins, as in the container
    [{ env: { URL: 'a=b' } }, ''], // only the first = splits
    [{ env: { EMPTY: '' } }, ''],
    [{ env: { FLAG: null } }, ''],
    [{ env: { EMPTY: 'x' } }, 'EMPTY is empty, need x'],
    [{ env: { LANG: '' } }, 'LANG is C.UTF-8, need empty'],
    [{ env: { HOME: null } }, 'HOME not set'],
    [{ env: { constructor: null } }, 'constructor not set'],
    [{ path: ['/usr/bin/', '/bin'] }, ''],
    [{ path: ['/opt/tools', '/usr/local/bin'] }, '/opt/tools not on PATH (/usr/bin:/bin); /usr/local/bin not on PATH (/usr/bin:/bin)'],
    [{ labels: { a: 'x', blank: null } }, ''],
    [{ labels: { a: 'y' } }, 'label a is x, need y'],
    [{ labels: { blank: 'y' } }, 'label blank is empty, need y'],
    [{ labels: { constructor: null, toString: 'x' } }, 'label constructor not set; label toString not set'],
  ] as Array<[ConfigExpectations, string]>)('%j', (expect_, detail) => {
    expect(detailOf(expect_, config)).toBe(detail);
  });

  it('says when PATH is not set or empty', () => {
    expect(detailOf({ path: ['/bin'] }, { ...IMPORTED_CONFIG, env: [] })).toBe('/bin not on PATH (PATH not set)');
    expect(detailOf({ path: ['/bin'] }, { ...IMPORTED_CONFIG, env: ['PATH='] })).toBe('/bin not on PATH (PATH is empty)');
  });
});

describe('size and platform', () => {
  it.each([
    [412_000_000, 300_000_000, 'size 412 MB, need at most 300 MB'],
    [300_400_000, 300_000_000, 'size 300400000 bytes, need at most 300000000 bytes'],
    [300_000_000, 300_000_000, ''],
    [null, 300_000_000, 'size unknown, need at most 300 MB'],
    [2_500_000_000, 1_000_000_000, 'size 2.5 GB, need at most 1 GB'],
  ])('size %s against at most %s', (sizeBytes, maxSizeBytes, detail) => {
    expect(detailOf({ maxSizeBytes }, { ...IMPORTED_CONFIG, sizeBytes })).toBe(detail);
  });

  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1 kB'],
    [4_327_679, '4.33 MB'],
    [999_600, '1 MB'],
    [412_345_678, '412 MB'],
    [1.5e12, '1.5 TB'],
    [2e15, '2000 TB'],
  ])('bytes(%d) is %s', (count, text) => expect(bytes(count)).toBe(text));

  it('an image that does not say its platform fails a platform expectation', () => {
    expect(detailOf({ os: 'linux', architecture: 'amd64' }, { ...IMPORTED_CONFIG, os: null, architecture: null })).toBe('os unknown, need linux; architecture unknown, need amd64');
  });
});
