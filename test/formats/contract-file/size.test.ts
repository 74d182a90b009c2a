import { describe, expect, it } from 'vitest';
import { formatSize, parseSize } from '../../../src/formats/contract-file/size.js';

describe('parseSize', () => {
  it.each([
    ['1024', 1024],
    ['512B', 512],
    ['1kB', 1000],
    ['2 MB', 2_000_000],
    ['1.1GB', 1_100_000_000],
    ['3TB', 3e12],
    ['1KiB', 1024],
    ['1.5MiB', 1_572_864],
    ['2GiB', 2_147_483_648],
    ['1TiB', 1024 ** 4],
  ])('%s is %d bytes', (text, bytes) => expect(parseSize(text)).toEqual({ bytes }));

  it.each([
    ['2G', '"G" is not a size unit (use one of B, kB, MB, GB, TB, KiB, MiB, GiB, TiB)'],
    ['2gib', '"gib" is not a size unit (did you mean "GiB"?)'],
    ['2KB', '"KB" is not a size unit (did you mean "kB"?)'],
    ['0.1KiB', '"0.1KiB" is not a whole number of bytes'],
    ['0', '"0" is not a positive whole number of bytes'],
    ['-1GB', '"-1GB" is not a size (write a number of bytes, or like 2GiB or 500MB)'],
    ['lots', '"lots" is not a size (write a number of bytes, or like 2GiB or 500MB)'],
    ['99999999TiB', '"99999999TiB" is not a positive whole number of bytes'],
  ])('refuses %s', (text, problem) => expect(parseSize(text)).toEqual({ problem }));
});

describe('formatSize', () => {
  it.each([
    [2_147_483_648, '2GiB'],
    [2_000_000_000, '2GB'],
    [1_572_864, '1536KiB'],
    [1024, '1KiB'],
    [1000, '1kB'],
    [1500, 1500],
  ])('%d is written %s', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
    expect(parseSize(String(text))).toEqual({ bytes });
  });
});
