import { Option, type Command } from 'commander';
import type { SetImageResult } from '../commands/set.js';
import type { ValidateSummary } from '../commands/validate.js';
import { ExitCode, UsageError } from '../errors.js';
import { DEFAULT_SUBJECT, projectSubject, type Subject } from '../lifecycle/model.js';
import { slotLine } from '../render/lifecycle.js';
import { slotView } from '../render/views.js';
import type { AppContext } from './context.js';
import { DEFAULT_TIMEOUT, interruptedBy, timeoutOf, type CliKit } from './kit.js';
import { defaultView } from './read-commands.js';

interface ValidationFlags {
  validate?: boolean;
  timeout?: string;
  allowLocal?: boolean;
}

/** The commands that change an image and run its lifecycle: set, clear, validate, defaults set|clear, create, update, delete. */
export function registerChangeCommands(program: Command, { context, settle }: CliKit): void {
  const withValidationFlags = (command: Command): Command =>
    command
      .option('--no-validate', 'store the reference as pending without validating it now')
      .option('--timeout <duration>', 'smoke-test timeout, e.g. 90s, 5m', DEFAULT_TIMEOUT)
      .option('--allow-local', 'accept an image that exists only locally (pins its image ID)')
      .option('--json', 'NDJSON lifecycle events on stdout');

  const runChange = async (ctx: AppContext, subject: Subject, reference: string | null, flags: ValidationFlags & { create?: boolean }, via: string) => {
    const result = await (await import('../commands/set.js')).setImage(
      ctx,
      {
        subject,
        reference,
        create: flags.create === true,
        validate: flags.validate !== false,
        allowLocal: flags.allowLocal === true,
        timeoutMs: timeoutOf(flags.timeout),
        via,
      },
      await (await import('../render/reporter.js')).lifecycleReporter(ctx.output),
    );
    reportChange(ctx, result, subject);
    settle(result.outcome === undefined ? ExitCode.ok : (await import('../commands/outcome.js')).exitCodeForOutcomes([result.outcome], interruptedBy(ctx)));
  };

  withValidationFlags(
    program
      .command('set')
      .description('give a project an image: stored as pending, then pulled, pinned and smoke-tested')
      .argument('<project>', 'project id')
      .argument('<ref>', 'image reference, e.g. registry.example.com/team/worker:1.4')
      .option('--create', 'create the project if it does not exist'),
  ).action(async (project: string, ref: string, flags: ValidationFlags & { create?: boolean }, command: Command) => {
    await runChange(context(command), projectSubject(project), ref, flags, 'set');
  });

  program
    .command('clear')
    .description("revert a project to the global default image (no Docker call)")
    .argument('<project>', 'project id')
    .option('--json', 'JSON envelope on stdout')
    .action(async (project: string, _flags: unknown, command: Command) => {
      await runChange(context(command), projectSubject(project), null, { validate: false }, 'clear');
    });


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
      async (
        projects: string[],
        flags: {
          all?: boolean;
          stale?: boolean;
          default?: boolean;
          timeout?: string;
          concurrency?: string;
          changedOnly?: boolean;
          fresh?: boolean;
          junit?: string;
        },
        command: Command,
      ) => {
        const ctx = context(command);
        const concurrency = Number(flags.concurrency ?? '2');
        if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) {
          throw new UsageError(`--concurrency must be a whole number from 1 to 32, not ${JSON.stringify(flags.concurrency)}`);
        }
        const report = await (await import('../render/reporter.js')).lifecycleReporter(ctx.output);
        const changedOnly = flags.changedOnly === true;
        const items = await (await import('../commands/validate.js')).validateProjects(
          ctx,
          {
            projects,
            all: flags.all === true,
            stale: flags.stale === true,
            includeDefault: flags.default === true,
            timeoutMs: timeoutOf(flags.timeout),
            concurrency,
            fresh: flags.fresh === true,
          },
          (event) => {
            if (changedOnly && (event.type === 'pending' || (event.type === 'finished' && event.stored === 'stored' && (event.outcome === 'unchanged' || event.repeated)))) return;
            report(event);
          },
        );
        for (const item of items) {
          if (item.skipped === undefined || changedOnly) continue;
          const name = item.subject.kind === 'project' ? item.subject.project : '(default)';
          if (ctx.output.json) ctx.output.jsonLine({ schemaVersion: 1, event: 'skipped', project: name, reason: item.skipped });
          else ctx.output.line(`${name}  ${ctx.output.color.dim('(global default)')}`);
        }
        const summary = (await import('../commands/validate.js')).summarize(items);
        if (!changedOnly || summary.changed) {
          if (ctx.output.json) ctx.output.jsonLine({ schemaVersion: 1, event: 'summary', ...summary });
          else ctx.output.line(summaryLine(summary));
        }
        if (flags.junit !== undefined) await (await import('../commands/junit-report.js')).writeJUnitReport(ctx, flags.junit, items);
        const outcomes = items.flatMap((item) => (item.outcome === undefined ? [] : [item.outcome]));
        settle((await import('../commands/outcome.js')).exitCodeForOutcomes(outcomes, interruptedBy(ctx)));
      },
    );


  const defaults = program
    .command('defaults')
    .description('show the global default image (subcommands change it)')
    .option('--json', 'JSON envelope on stdout')
    .action(async (_flags: unknown, command: Command) => {
      const ctx = context(command);
      const current = await (await import('../commands/read.js')).defaultImage(ctx);
      if (ctx.output.json) ctx.output.envelope('defaults', defaultView(current));
      else for (const line of (await import('../render/human.js')).renderDefault(current, ctx.output.color)) ctx.output.line(line);
      settle(ExitCode.ok);
    });
  withValidationFlags(
    defaults.command('set').description('set the global default image: validated and pinned like a project image').argument('<ref>', 'image reference'),
  ).action(async (ref: string, flags: ValidationFlags, command: Command) => {
    await runChange(context(command), DEFAULT_SUBJECT, ref, flags, 'defaults set');
  });
  defaults
    .command('clear')
    .description('remove the stored global default (CASCADE_DEFAULT_WORKER_IMAGE then applies, unvalidated)')
    .option('--json', 'JSON envelope on stdout')
    .action(async (_flags: unknown, command: Command) => {
      await runChange(context(command), DEFAULT_SUBJECT, null, { validate: false, create: true }, 'defaults clear');
    });


  withValidationFlags(
    program
      .command('create')
      .description('create a project, optionally with its own image (validated like set)')
      .argument('<project>', 'project id')
      .option('--worker-image <ref>', 'the image to give it'),
  ).action(async (project: string, flags: ValidationFlags & { workerImage?: string }, command: Command) => {
    const ctx = context(command);
    const store = await ctx.readStore();
    if ((await store.getSlot(projectSubject(project))) !== undefined) {
      throw new UsageError(`project ${JSON.stringify(project)} already exists`, { hint: `change its image with: cascade-image update ${project} --worker-image <ref>` });
    }
    await runChange(ctx, projectSubject(project), flags.workerImage ?? null, { ...flags, create: true }, 'create');
  });

  withValidationFlags(
    program
      .command('update')
      .description("change a project's image (--worker-image) or revert it to the default (--clear-worker-image)")
      .argument('<project>', 'project id')
      .addOption(new Option('--worker-image <ref>', 'the new image').conflicts('clearWorkerImage'))
      .addOption(new Option('--clear-worker-image', 'revert to the global default')),
  ).action(async (project: string, flags: ValidationFlags & { workerImage?: string; clearWorkerImage?: boolean }, command: Command) => {
    if (flags.workerImage === undefined && flags.clearWorkerImage !== true) {
      throw new UsageError('update needs --worker-image <ref> or --clear-worker-image');
    }
    const reference = flags.clearWorkerImage === true ? null : (flags.workerImage ?? null);
    await runChange(context(command), projectSubject(project), reference, reference === null ? { validate: false } : flags, 'update');
  });


  program
    .command('delete')
    .description('delete a project (refused while it has its own image, unless --force)')
    .argument('<project>', 'project id')
    .option('--force', 'delete even though it has an image')
    .option('--json', 'JSON envelope on stdout')
    .action(async (project: string, flags: { force?: boolean }, command: Command) => {
      const ctx = context(command);
      const before = await (await import('../commands/admin.js')).deleteProject(ctx, project, flags.force === true);
      if (ctx.output.json) ctx.output.envelope('delete', { deleted: slotView(before) });
      else ctx.output.line(`${project}  deleted`);
      settle(ExitCode.ok);
    });

}

function reportChange(ctx: AppContext, result: SetImageResult, subject: Subject): void {
  const after = result.change?.after;
  if (after !== undefined && after.reference !== null) return; // the lifecycle reporter printed pending/verified/failed
  const name = subject.kind === 'project' ? subject.project : '(default)';
  if (ctx.output.json) {
    ctx.output.jsonLine({
      schemaVersion: 1,
      event: 'cleared',
      scope: subject.kind,
      changed: result.unchanged !== true,
      ...(after === undefined ? { project: null, workerImage: null } : slotView(after)),
    });
  } else if (subject.kind === 'default') {
    ctx.output.line(`${name}  none${result.unchanged === true ? '  (nothing was set)' : ''}`);
  } else {
    ctx.output.line(`${slotLine(after, subject, ctx.output.color)}${result.unchanged === true ? ctx.output.color.dim('  (already)') : ''}`);
  }
}

function summaryLine(summary: ValidateSummary): string {
  const counts = Object.entries(summary.byOutcome)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([outcome, count]) => `${count} ${outcome}`)
    .join(', ');
  const repeated = summary.repeatedFailures === 0 ? '' : ` (${summary.repeatedFailures} failing as before)`;
  return `summary: ${summary.projects} projects, ${summary.distinctReferences} distinct references, ${summary.containersRun} containers run, ${summary.cached} cached verdicts${counts === '' ? '' : `: ${counts}`}${repeated}`;
}
