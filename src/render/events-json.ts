import { projectOf, type LifecycleEvent } from '../domain/index.js';
import { JSON_SCHEMA_VERSION } from './output.js';

/** NDJSON lifecycle events for `set --json` / `validate --json`: one object per step, versioned. */
export function eventJson(event: LifecycleEvent): Record<string, unknown> | undefined {
  const base = { schemaVersion: JSON_SCHEMA_VERSION, project: projectOf(event.subject), scope: event.subject.kind };
  switch (event.type) {
    case 'pending':
      return { ...base, event: 'pending', workerImage: event.reference, generation: event.generation };
    case 'pinned':
      return { ...base, event: 'pinned', workerImageDigest: event.digest, pinKind: event.pinKind };
    case 'finished': {
      const { verdict } = event;
      // `event` says what the run found (a drift that failed is `failed` even though the old pin is kept).
      const outcome = event.stored === 'stale' ? 'stale' : (event.finding ?? verdict).status;
      return {
        ...base,
        event: outcome,
        outcome: event.stored === 'stale' ? 'stale' : event.outcome,
        cached: event.cached,
        repeated: event.repeated,
        finding:
          event.finding === undefined
            ? null
            : event.finding.status === 'failed'
              ? { status: 'failed', reason: event.finding.reason, cause: event.finding.cause }
              : { status: 'verified', digest: event.finding.digest },
        workerImage: event.reference,
        generation: event.generation,
        workerImageStatus: verdict.status,
        workerImageDigest: verdict.status === 'verified' ? verdict.digest : null,
        workerImageError: verdict.status === 'failed' ? verdict.reason : null,
        ...(verdict.status === 'failed' ? { cause: verdict.cause } : { pinKind: verdict.pinKind, warnings: verdict.warnings }),
        stored: event.stored === 'stored',
        durationMs: event.durationMs,
        inventoryChanges: event.inventoryChanges ?? null,
      };
    }
    default:
      return undefined;
  }
}
