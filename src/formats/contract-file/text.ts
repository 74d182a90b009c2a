/** Control characters, and the two Unicode line breaks a terminal would also break on. */
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Text that prints on one line of a report: not blank, no control characters. */
export function isOneLine(text: string): boolean {
  return text.trim() !== '' && !CONTROL_CHARACTERS.test(text);
}
