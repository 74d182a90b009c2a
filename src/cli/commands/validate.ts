import type { Command } from 'commander';
import type { ValidateSummary } from '../../commands/validate.js';
import { subjectName } from '../../domain/index.js';
import { UsageError } from '../../errors.js';
import { checkProjectId } from '../../lifecycle/project-id.js';
import { JSON_SCHEMA_VERSION } from '../../render/output.js';
import { exitCodeForOutcomes } from '../exit-codes.js';
import type { CliKit } from '../kit.js';
import { concurrencyOf, DEFAULT_TIMEOUT, timeoutOf } from '../options.js';
import { reporterFor } from './change.js';

interface ValidateFlags {
  all?: boolean;
  stale?: boolean;
  default?: boolean;
  timeout?: string;
  concurrency?: string;
  changedOnly?: boolean;
  fresh?: boolean;
  junit?: string;
}

export function registerValidate(program: Command, kit: CliKit): void {
  program
    .command('validate')
    .description("validate projects' current references again: reports unchanged, drifted, vanished, contract changed, verified or failed")
    .argument('[projects...]', 'project ids')
    .option('--all', 'every project that has its own image (and abandoned pending ones)')
    .option('--stale', 'pending projects whose run crashed, expired or never started')
    .option('--default', 'the stored global default too')
    .option('--concurrency <n>', 'projects validated at once', '2')
    .option('--changed-only', 'print nothing for unchanged projects, and no summary when nothing changed (quiet cron mail)')
    .option('--fresh', 'ignore remembered smoke-test verdicts: run every container again')
    .option('--timeout <duration>', 'smoke-test timeout, e.g. 90s, 5m', DEFAULT_TIMEOUT)
    .option('--json', 'NDJSON lifecycle events on stdout, then a summary object')
    .option('--junit <file>', 'also write a JUnit XML report (one testcase per check per project)')
    .action(
      kit.action(async (projects: string[], flags: ValidateFlags, command: Command) => {
        const concurrency = concurrencyOf(flags.concurrency);
        const input = {
          projects: projects.map(checkProjectId),
          all: flags.all === true,
          stale: flags.stale === true,
          includeDefault: flags.default === true,
          timeoutMs: timeoutOf(flags.timeout),
          concurrency,
          fresh: flags.fresh === true,
        };
        if (!input.all && !input.stale && input.projects.length === 0 && !input.includeDefault) {
          throw new UsageError('name at least one project to validate', { hint: 'or validate every project: cascade-image validate --all' });
        }
        const services = kit.services(command);
        const { output } = services;
        const report = await reporterFor(services);
        const changedOnly = flags.changedOnly === true;
        const { validateProjects, summarize } = await import('../../commands/validate.js');
        const items = await validateProjects(input, {
          store: services.store,
          engine: services.engine,
          actor: services.actor,
          signal: services.signal,
          here: services.here,
          listener: (event) => {
            if (changedOnly && (event.type === 'pending' || (event.type === 'finished' && event.stored === 'stored' && (event.outcome === 'unchanged' || event.repeated)))) return;
            report(event);
          },
        });
        for (const item of items) {
          if (item.skipped === undefined || changedOnly) continue;
          const name = subjectName(item.subject);
          if (output.json) output.jsonLine({ schemaVersion: JSON_SCHEMA_VERSION, event: 'skipped', project: name, reason: item.skipped });
          else output.line(`${name}  ${output.color.dim('(global default)')}`);
        }
        const summary = summarize(items);
        if (!changedOnly || summary.changed) {
          if (output.json) output.jsonLine({ schemaVersion: JSON_SCHEMA_VERSION, event: 'summary', ...summary });
          else output.line(summaryLine(summary));
        }
        if (flags.junit !== undefined) {
          (await import('../junit-file.js')).writeJUnitReport(flags.junit, items, { timestamp: kit.runtime.now(), hostname: kit.runtime.hostname });
          output.note(`JUnit report written to ${flags.junit}`);
        }
        const outcomes = items.flatMap((item) => (item.outcome === undefined ? [] : [item.outcome]));
        return exitCodeForOutcomes(outcomes, services.interruptedBy());
      }),
    );
}

function summaryLine(summary: ValidateSummary): string {
  const counts = Object.entries(summary.byOutcome)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([outcome, count]) => `${count} ${outcome}`)
    .join(', ');
  const repeated = summary.repeatedFailures === 0 ? '' : ` (${summary.repeatedFailures} failing as before)`;
  return `summary: ${summary.projects} projects, ${summary.distinctReferences} distinct references, ${summary.containersRun} containers run, ${summary.cached} cached verdicts${counts === '' ? '' : `: ${counts}`}${repeated}`;
}
