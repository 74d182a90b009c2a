import type { Command } from 'commander';
import type { DefaultImage } from '../commands/read.js';
import { ExitCode, UsageError } from '../errors.js';
import { slotLine } from '../render/lifecycle.js';
import { slotView } from '../render/views.js';
import { sinceOf, type CliKit } from './kit.js';

/** The commands that only read: show, list, resolve, ref, history. */
export function registerReadCommands(program: Command, { context, settle, runtime }: CliKit): void {
  program
    .command('show')
    .description("show a project's image lifecycle: pending, verified → digest, failed: reason, or (global default)")
    .argument('<project>', 'project id')
    .option('--json', 'JSON envelope on stdout')
    .action(async (project: string, _flags: unknown, command: Command) => {
      const ctx = context(command);
      const shown = await (await import('../commands/read.js')).showProject(ctx, project);
      if (ctx.output.json) {
        ctx.output.envelope('show', {
          ...slotView(shown.slot),
          lastRun: shown.lastRun ?? null,
          abandoned: shown.abandoned ?? null,
          globalDefault: defaultView(shown.globalDefault),
        });
      } else {
        for (const line of (await import('../render/human.js')).renderShow(shown, ctx.output.color)) ctx.output.line(line);
      }
      settle(ExitCode.ok);
    });

  program
    .command('list')
    .description('one lifecycle line per project')
    .option('--json', 'JSON envelope on stdout')
    .action(async (_flags: unknown, command: Command) => {
      const ctx = context(command);
      const projects = await (await import('../commands/read.js')).listProjects(ctx);
      if (ctx.output.json) ctx.output.envelope('list', { projects: projects.map(slotView) });
      else if (projects.length === 0) ctx.output.note('no projects yet: cascade-image set <project> <ref> --create');
      else for (const slot of projects) ctx.output.line(slotLine(slot, slot.subject, ctx.output.color));
      settle(ExitCode.ok);
    });


  program
    .command('resolve')
    .description('print the image a launcher must use: the pinned digest, or the global default')
    .argument('<project>', 'project id')
    .option('--json', 'JSON envelope on stdout')
    .action(async (project: string, _flags: unknown, command: Command) => {
      const ctx = context(command);
      const resolution = await (await import('../commands/read.js')).resolveProject(ctx, project);
      if (ctx.output.json) ctx.output.envelope('resolve', resolution);
      else {
        ctx.output.line(resolution.image);
        if (resolution.unvalidated) ctx.output.note(`note: ${resolution.image} comes from CASCADE_DEFAULT_WORKER_IMAGE and was never validated`);
      }
      settle(ExitCode.ok);
    });


  program
    .command('ref')
    .description("parse image references with Docker's grammar (distribution/reference)")
    .argument('<refs...>', 'references to parse')
    .option('--json', 'one JSON object per line')
    .action(async (refs: string[], _flags: unknown, command: Command) => {
      const ctx = context(command);
      const reports = refs.map((await import('../reference/index.js')).describeReference);
      for (const report of reports) {
        if (ctx.output.json) ctx.output.jsonLine(report);
        else ctx.output.line((await import('../render/human.js')).renderReference(report, ctx.output.color));
      }
      settle(reports.every((report) => report.valid) ? ExitCode.ok : ExitCode.usage);
    });


  program
    .command('history')
    .description('the audit trail, newest first: who changed what, when, and how validation ended')
    .argument('[project]', 'only this project')
    .option('--since <when>', 'only entries since a duration ago (e.g. 24h) or an ISO time')
    .option('--limit <n>', 'at most this many entries', '50')
    .option('--json', 'JSON envelope on stdout')
    .action(async (project: string | undefined, flags: { since?: string; limit?: string }, command: Command) => {
      const ctx = context(command);
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive whole number, not ${JSON.stringify(flags.limit)}`);
      const entries = await (await import('../commands/admin.js')).history(ctx, {
        ...(project === undefined ? {} : { project }),
        ...(flags.since === undefined ? {} : { since: sinceOf(flags.since, runtime.now()) }),
        limit,
      });
      if (ctx.output.json) ctx.output.envelope('history', { entries });
      else if (entries.length === 0) ctx.output.note('no audit entries match');
      else for (const line of (await import('../render/human.js')).renderAudit(entries, ctx.output.color)) ctx.output.line(line);
      settle(ExitCode.ok);
    });

}

export function defaultView(current: DefaultImage): Record<string, unknown> {
  if (current.source === 'store') return { source: 'store', ...slotView(current.slot) };
  if (current.source === 'env') return { source: 'env', workerImage: current.reference, workerImageStatus: null, unvalidated: true };
  return { source: 'none', workerImage: null };
}
