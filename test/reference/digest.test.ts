import { describe, expect, it } from 'vitest';
import { validateDigest } from '../../src/reference/digest.js';

const hex = (n: number, c = 'f'): string => c.repeat(n);

describe('validateDigest (go-digest v1.0.0 order of checks)', () => {
  it.each([
    [`sha256:${hex(64)}`, null],
    [`sha384:${hex(96)}`, null],
    [`sha512:${hex(128)}`, null],
    // colon missing, leading or trailing -> format
    [hex(64), 'invalid checksum digest format'],
    [`:${hex(64)}`, 'invalid checksum digest format'],
    ['sha256:', 'invalid checksum digest format'],
    ['', 'invalid checksum digest format'],
    // unknown algorithm: unsupported when the generic shape fits, else format
    [`md5:${hex(32)}`, 'unsupported digest algorithm'],
    [`sha256+b64:${hex(64)}`, 'unsupported digest algorithm'],
    [`invaliddigest:${hex(64)}`, 'unsupported digest algorithm'],
    [`SHA256:${hex(64)}`, 'invalid checksum digest format'],
    [`md5:${hex(32)}!`, 'invalid checksum digest format'],
    [`constructor:${hex(64)}`, 'unsupported digest algorithm'],
    // known algorithm: length first, then lowercase hex
    [`sha256:${hex(63)}`, 'invalid checksum digest length'],
    [`sha256:${hex(65)}`, 'invalid checksum digest length'],
    [`sha512:${hex(64)}`, 'invalid checksum digest length'],
    [`sha256:${hex(63, 'F')}`, 'invalid checksum digest length'],
    [`sha256:${hex(64, 'F')}`, 'invalid checksum digest format'],
    [`sha256:${hex(64, 'g')}`, 'invalid checksum digest format'],
  ])('%s', (digest, error) => {
    expect(validateDigest(digest)).toEqual(error === null ? { ok: true, value: digest } : { ok: false, error });
  });

  it('treats unregistered algorithms as unsupported', () => {
    expect(validateDigest(`sha512:${hex(128)}`, ['sha256'])).toEqual({
      ok: false,
      error: 'unsupported digest algorithm',
    });
  });
});
