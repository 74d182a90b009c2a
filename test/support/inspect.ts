import { readFileSync } from 'node:fs';

export type RecordedImage = 'imported-good' | 'entrypoint-exit1' | 'configured';

/**
 * An image inspect document recorded from a real engine (test/fixtures/inspect/), trimmed to the
 * fields we map plus a little context and no host paths:
 *   imported-good     cascade-fixture/good, `docker import`ed by fixtures/images/build.sh
 *   entrypoint-exit1  the variant with ENTRYPOINT ["/bin/sh","-c","exit 1"]
 *   configured        good + USER 1000, ENV LANG=C.UTF-8, ENTRYPOINT, CMD and a LABEL (built once, removed)
 */
export function recordedInspect(name: RecordedImage): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../fixtures/inspect/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
}
