import type { LifecycleListener } from '../lifecycle/events.js';
import { subjectLabel } from '../lifecycle/model.js';
import { eventJson } from './events-json.js';
import { finishedLine, pendingLine, progressLine } from './lifecycle.js';
import type { Output } from './output.js';

/** Turns lifecycle events into output: NDJSON with --json, else lifecycle lines (stdout) and progress (stderr). */
export function lifecycleReporter(output: Output): LifecycleListener {
  const c = output.color;
  return (event) => {
    if (output.json) {
      const json = eventJson(event);
      if (json !== undefined) output.jsonLine(json);
      return;
    }
    if (event.type === 'pending') {
      output.line(pendingLine(subjectLabel(event.subject), event.reference, c));
    } else if (event.type === 'finished') {
      output.line(finishedLine(event, c));
      if (event.stored === 'stored' && event.verdict.status === 'verified') {
        for (const warning of event.verdict.warnings) output.note(c.yellow(`${subjectLabel(event.subject)}: warning: ${warning}`));
      }
    } else if (output.interactive) {
      const line = progressLine(event, c);
      if (line !== undefined) output.note(line);
    }
  };
}
