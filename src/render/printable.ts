/**
 * Text from the outside (engine and registry messages, check output, names in an old store) must
 * not drive the terminal or forge lines: every control character is shown escaped instead.
 * Colour sequences we generate ourselves are kept when colour is on.
 */
const SGR = /\u001b\[[0-9;]*m/g;
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeOne(char: string): string {
  switch (char) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default: {
      const code = char.charCodeAt(0);
      return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
    }
  }
}

export function escapeUnprintable(text: string): string {
  return text.replace(UNPRINTABLE, escapeOne);
}

/** One line as it may reach a terminal: controls escaped, our colour sequences kept when `colour`. */
export function printableLine(text: string, colour: boolean): string {
  if (!colour) return escapeUnprintable(text);
  let out = '';
  let last = 0;
  for (const match of text.matchAll(SGR)) {
    out += escapeUnprintable(text.slice(last, match.index)) + match[0];
    last = match.index + match[0].length;
  }
  return out + escapeUnprintable(text.slice(last));
}
