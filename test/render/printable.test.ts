import { describe, expect, it } from 'vitest';
import { escapeUnprintable, printableLine } from '../../src/render/printable.js';

describe('printableLine', () => {
  it.each([
    ['a terminal-title escape (OSC … BEL)', 'a\u001b]0;x\u0007b', 'a\\x1b]0;x\\x07b'],
    ['a newline that would forge a second line', 'ev\nil  superadmin', 'ev\\nil  superadmin'],
    ['a carriage return that would overwrite the line', 'ok\rFAIL', 'ok\\rFAIL'],
    ['DEL and a C1 control', 'a\u007fb\u009bc', 'a\\x7fb\\x9bc'],
    ['a bidi override and a line separator', 'x\u202ey\u2028z', 'x\\u202ey\\u2028z'],
    ['plain text with unicode', 'verified → repo@sha256:ab', 'verified → repo@sha256:ab'],
  ])('escapes %s', (_what, input, expected) => {
    expect(printableLine(input, false)).toBe(expected);
    expect(escapeUnprintable(input)).toBe(expected);
  });

  it('keeps colour sequences only when colour is on, escaping everything around them', () => {
    const coloured = '\u001b[32mverified\u001b[39m \u001b]0;t\u0007';
    expect(printableLine(coloured, true)).toBe('\u001b[32mverified\u001b[39m \\x1b]0;t\\x07');
    expect(printableLine(coloured, false)).toBe('\\x1b[32mverified\\x1b[39m \\x1b]0;t\\x07');
  });
});
