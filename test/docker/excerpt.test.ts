import { describe, expect, it } from 'vitest';
import { excerpt, printable } from '../../src/docker/excerpt.js';

describe('excerpt', () => {
  it('quotes engine text with control characters, quotes and backslashes escaped', () => {
    expect(excerpt('a\u001b]0;x\u0007b\n"c"\\d\u009b\u2028')).toBe('"a\\x1b]0;x\\x07b\\n\\"c\\"\\\\d\\x9b\\u2028"');
  });

  it('cuts at 60 characters (whole code points), marking the cut', () => {
    expect(excerpt('x'.repeat(60))).toBe(`"${'x'.repeat(60)}"`);
    expect(excerpt('x'.repeat(61))).toBe(`"${'x'.repeat(60)}…"`);
    expect(excerpt('😀'.repeat(61))).toBe(`"${'😀'.repeat(60)}…"`);
    expect(excerpt('abcdef', 3)).toBe('"abc…"');
  });

  it('keeps an engine message as it is unless it holds control characters or is very long', () => {
    expect(printable('No such image: "a:1"')).toBe('No such image: "a:1"');
    expect(printable('line one\nforged line\u001b[2J')).toBe('line one\\nforged line\\x1b[2J');
    expect(printable('y'.repeat(5000))).toBe(`${'y'.repeat(1000)}…`);
  });
});
