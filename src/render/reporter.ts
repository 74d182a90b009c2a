import type { LifecycleListener } from '../domain/index.js';
import { projectOf, subjectName } from '../domain/index.js';
import { eventJson } from './events-json.js';
import { finishedLine, pendingLine, progressLine } from './lifecycle.js';
import type { Output } from './output.js';
import { progressDisplay } from './progress.js';

/**
 * Turns lifecycle events into output: NDJSON with --json; else lifecycle lines (stdout), with a
 * live pull bar and smoke-test spinner on stderr when a person is watching a terminal.
 */
export async function lifecycleReporter(output: Output): Promise<LifecycleListener> {
  const c = output.color;
  const live = output.interactive ? await progressDisplay(output) : undefined;
  return (event) => {
    if (event.type === 'changed') {
      // The audit line: structured, on stderr, printed in every mode (scripts collect it).
      output.logJson({ event: event.event, actorId: event.actor, projectId: projectOf(event.subject), from: event.from, to: event.to });
      return;
    }
    if (output.json) {
      const json = eventJson(event);
      if (json !== undefined) output.jsonLine(json);
      return;
    }
    live?.listener(event);
    if (event.type === 'pending') {
      output.line(pendingLine(subjectName(event.subject), event.reference, c));
    } else if (event.type === 'finished') {
      output.line(finishedLine(event, c));
      if (event.stored === 'stored' && event.verdict.status === 'verified' && event.finding === undefined) {
        for (const warning of event.verdict.warnings) output.note(c.yellow(`${subjectName(event.subject)}: warning: ${warning}`));
      }
    } else if (output.interactive && event.type === 'pinned') {
      live?.stop();
      const line = progressLine(event, c);
      if (line !== undefined) output.note(line);
    }
  };
}
