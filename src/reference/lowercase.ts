// Go's strings.ToLower maps rune by rune with simple case mappings; JS toLowerCase
// uses full mappings. The only difference that can turn a non-ASCII input into an
// ASCII (grammar-relevant) one is U+0130 'İ': Go gives "i", JS gives "i\u0307".
// Matching Go here keeps the "must be lowercase" verdict identical.
export function goToLower(s: string): string {
  return s.replace(/\u0130/g, 'i').toLowerCase();
}
