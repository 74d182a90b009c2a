// The flat, JSON-friendly verdict behind the CLI's `ref` command. Uses
// ParseNormalizedNamed, the same rule the docker CLI applies to user input.
import { familiarString, referenceString } from './format.js';
import { parseNormalizedNamed } from './normalize.js';

export interface ReferenceReport {
  input: string;
  valid: boolean;
  error: string | null;
  domain: string | null;
  path: string | null;
  tag: string | null;
  digest: string | null;
  /** Fully qualified; no ":latest" is invented for untagged input. */
  normalized: string | null;
  familiar: string | null;
}

export function describeReference(input: string): ReferenceReport {
  const parsed = parseNormalizedNamed(input);
  if (!parsed.ok) {
    return {
      input,
      valid: false,
      error: parsed.error,
      domain: null,
      path: null,
      tag: null,
      digest: null,
      normalized: null,
      familiar: null,
    };
  }
  const ref = parsed.value;
  return {
    input,
    valid: true,
    error: null,
    domain: ref.domain,
    path: ref.path,
    tag: ref.tag ?? null,
    digest: ref.digest ?? null,
    normalized: referenceString(ref),
    familiar: familiarString(ref),
  };
}
