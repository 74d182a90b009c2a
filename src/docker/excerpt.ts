/**
 * Engine text inside our messages, made harmless: control characters escaped, so a hostile answer
 * can neither forge lines nor drive the terminal, and cut short, so it cannot flood a stored reason.
 */

/** A short quoted sample of an answer that is not what it should be. */
export function excerpt(text: string, max = 60): string {
  return `"${escapeText(cut(text, max), /[\\"]|[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g)}"`;
}

/** An engine's own message, used as a reason: kept as it is, unless it holds control characters or goes on and on. */
export function printable(text: string, max = 1000): string {
  return escapeText(cut(text, max), /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g);
}

/** At most `max` characters (whole code points), marked when cut. */
function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : text;
}

const NAMED: Readonly<Record<string, string>> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeText(text: string, pattern: RegExp): string {
  return text.replace(pattern, (char) => {
    const code = char.charCodeAt(0);
    return NAMED[char] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}
