import { describe, expect, it } from 'vitest';
import { CappedOutput } from '../../src/docker/multiplexed.js';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header.writeUInt8(stream, 0);
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('CappedOutput', () => {
  it('joins stdout and stderr frames in arrival order, across arbitrary chunk boundaries', () => {
    const bytes = Buffer.concat([frame(1, 'hello '), frame(2, 'err '), frame(1, 'world')]);
    for (const size of [1, 3, 7, 8, 9, bytes.length]) {
      const output = new CappedOutput(1024);
      for (let offset = 0; offset < bytes.length; offset += size) output.push(bytes.subarray(offset, offset + size));
      expect(output.text()).toBe('hello err world');
      expect(output.truncated).toBe(false);
    }
  });

  it('keeps at most the limit and marks the rest as truncated', () => {
    const output = new CappedOutput(10);
    for (let i = 0; i < 1000; i += 1) output.push(frame(1, 'x'.repeat(1000)));
    expect(output.text()).toBe('x'.repeat(10));
    expect(output.truncated).toBe(true);
  });
});
