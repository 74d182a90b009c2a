/**
 * Outside text in a reason (payload fields, registry answers): attacker-controlled, so control,
 * line-breaking and bidi characters are shown escaped, and each piece is cut short.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNPRINTABLE_OR_QUOTE = /["\\\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Readonly<Record<string, string>> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(char: string): string {
  const code = char.charCodeAt(0);
  return NAMED[char] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/** At most `max` code points, marked with `…` when cut. */
export function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : text;
}

/** Outside text shown as it is, unless it holds controls or goes on too long. */
export function printable(text: string, max = 120): string {
  return cut(text, max).replace(UNPRINTABLE, escapeOne);
}

/** Outside text in double quotes, escaped so the quotes always close. */
export function quoted(text: string, max = 60): string {
  return `"${cut(text, max).replace(UNPRINTABLE_OR_QUOTE, escapeOne)}"`;
}
