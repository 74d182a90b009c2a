// Loads fixtures/reference-vectors.json (upstream distribution/reference v0.6 test
// vectors plus engine probes) and labels them for table-driven tests.
import { readFileSync } from 'node:fs';

export type Api =
  | 'Parse'
  | 'ParseNormalizedNamed'
  | 'ParseAnyReference'
  | 'ParseDockerRef'
  | 'ParseNamed'
  | 'WithName'
  | 'WithTag'
  | 'WithDigest'
  | 'regexp:name'
  | 'regexp:domain'
  | 'regexp:reference'
  | 'regexp:identifier';

export interface Vector {
  input: string;
  valid: boolean;
  error: string | null;
  error_var: string | null;
  name: string | null;
  domain: string | null;
  path: string | null;
  tag: string | null;
  digest: string | null;
  normalized: string | null;
  familiar: string | null;
  api: Api;
  from: string;
  note?: string;
  combined?: string;
  engine20_10_disagreement?: string;
}

export interface HeadVerdict {
  valid: boolean;
  error: string | null;
  string: string | null;
  domain?: string | null;
  path?: string | null;
  familiar?: string | null;
}

export interface EngineProbe {
  input: string;
  purpose: string;
  head_ParseNormalizedNamed?: HeadVerdict;
  head_ParseAnyReference?: HeadVerdict;
}

interface Fixture {
  counts: { total: number; by_api: Record<string, number> };
  vectors: Vector[];
  engine_probes: EngineProbe[];
}

export const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/reference-vectors.json', import.meta.url), 'utf8'),
) as Fixture;

function shorten(s: string): string {
  const shown = s.length > 72 ? `${s.slice(0, 60)}…(${s.length} chars)` : s;
  return JSON.stringify(shown);
}

/** [label, vector] rows for one api, labelled with the vector's index in the file. */
export function vectorsFor(api: Api): Array<[string, Vector]> {
  return fixture.vectors
    .map((v, i): [string, Vector, number] => [`#${i} ${shorten(v.input)}${v.valid ? '' : ' (invalid)'}`, v, i])
    .filter(([, v]) => v.api === api)
    .map(([label, v]) => [label, v]);
}

/** [label, probe, verdict] rows for probes that record the given head_* verdict. */
export function probesFor(
  key: 'head_ParseNormalizedNamed' | 'head_ParseAnyReference',
): Array<[string, EngineProbe, HeadVerdict]> {
  const rows: Array<[string, EngineProbe, HeadVerdict]> = [];
  for (const probe of fixture.engine_probes) {
    const verdict = probe[key];
    if (verdict) rows.push([`${shorten(probe.input)}: ${probe.purpose}`, probe, verdict]);
  }
  return rows;
}
