import { Argument, Command, Option } from 'commander';
import type { DefaultImage } from '../commands/read.js';
import type { SetImageResult } from '../commands/set.js';
import type { ValidateSummary } from '../commands/validate.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../errors.js';
import { parseDuration } from '../lifecycle/durations.js';
import { DEFAULT_SUBJECT, projectSubject, type OperatorRole, type Subject } from '../lifecycle/model.js';
import { slotLine } from '../render/lifecycle.js';
import { slotView } from '../render/views.js';
import { AppContext, type GlobalOptions } from './context.js';
import type { Runtime } from './runtime.js';

export const DEFAULT_TIMEOUT = '5m';

interface ValidationFlags {
  validate?: boolean;
  timeout?: string;
  allowLocal?: boolean;
}

/**
 * The command tree. Each action parses its flags, calls one command function, renders the typed
 * result and reports an exit code through `settle`; nothing here touches `process`.
 */
export function buildProgram(runtime: Runtime, version: string, settle: (code: ExitCodeValue) => void, onContext: (ctx: AppContext) => void): Command {
  // Set before any subcommand exists: commander copies these settings into each subcommand when
  // it is created, so a usage error in `set` throws (exit 2) instead of calling process.exit(1).
  const program = new Command('cascade-image')
    .exitOverride()
    .configureOutput({ writeOut: (text) => runtime.stdout.write(text), writeErr: (text) => runtime.stderr.write(text) })
    .description('Give a CASCADE project its own worker image, and prove it can host a run before anything launches it.')
    .version(version, '-V, --version')
    .option('--db <path>', 'store file (env CASCADE_IMAGE_DB; default $XDG_DATA_HOME/cascade-image/cascade-image.db)')
    .option('--actor <name>', 'who is acting, for the audit log (env CASCADE_ACTOR; default the OS user)')
    .option('--docker-host <url>', 'Docker engine endpoint (default DOCKER_HOST, else unix:///var/run/docker.sock)')
    .option('--no-color', 'no colour in output (NO_COLOR is honoured too)')
    .option('-q, --quiet', 'print results only: no progress or notes on stderr')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', '\nExit codes: 0 ok/verified, 1 validation failed or not launchable, 2 bad input, 69 engine or store unavailable,\n75 still pending (resolve), 77 forbidden, 130/143 interrupted.');

  const context = (command: Command): AppContext => {
    const ctx = new AppContext(runtime, command.optsWithGlobals<GlobalOptions>());
    onContext(ctx);
    return ctx;
  };

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

  program
    .command('cleanup')
    .description('remove smoke-test containers of ours that no live run owns (never touches other containers)')
    .option('--dry-run', 'say what would be removed, remove nothing')
    .option('--json', 'JSON envelope on stdout')
    .action(async (flags: { dryRun?: boolean }, command: Command) => {
      const ctx = context(command);
      const items = await (await import('../commands/cleanup.js')).cleanupContainers(ctx, flags.dryRun === true);
      if (ctx.output.json) ctx.output.envelope('cleanup', { containers: items });
      else if (items.length === 0) ctx.output.note('no containers of ours on this engine');
      else for (const item of items) ctx.output.line(`${item.id.slice(0, 12)}  ${item.action}  ${item.project ?? '?'}  ${item.why}`);
      settle(ExitCode.ok);
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

  const operators = program.command('operators').description('who may change images: superadmins change, viewers read');
  operators
    .command('list')
    .option('--json', 'JSON envelope on stdout')
    .action(async (_flags: unknown, command: Command) => {
      const ctx = context(command);
      const list = await (await import('../commands/admin.js')).listOperators(ctx);
      if (ctx.output.json) ctx.output.envelope('operators', { operators: list });
      else for (const line of (await import('../render/human.js')).renderOperators(list)) ctx.output.line(line);
      settle(ExitCode.ok);
    });
  operators
    .command('grant')
    .argument('<actor>', 'the operator')
    .addOption(new Option('--role <role>', 'the role').choices(['superadmin', 'viewer']).makeOptionMandatory())
    .option('--json', 'JSON envelope on stdout')
    .action(async (actor: string, flags: { role: OperatorRole }, command: Command) => {
      const ctx = context(command);
      await (await import('../commands/admin.js')).grantOperator(ctx, actor, flags.role);
      if (ctx.output.json) ctx.output.envelope('operators grant', { actor, role: flags.role });
      else ctx.output.line(`${actor}  ${flags.role}`);
      settle(ExitCode.ok);
    });
  operators
    .command('revoke')
    .argument('<actor>', 'the operator')
    .option('--json', 'JSON envelope on stdout')
    .action(async (actor: string, _flags: unknown, command: Command) => {
      const ctx = context(command);
      await (await import('../commands/admin.js')).revokeOperator(ctx, actor);
      if (ctx.output.json) ctx.output.envelope('operators revoke', { actor, role: null });
      else ctx.output.line(`${actor}  revoked`);
      settle(ExitCode.ok);
    });

  program
    .command('doctor')
    .description('check the engine, the store and (with --registry) credentials and a registry; never prints a secret')
    .option('--registry <host>', 'also check the credentials and reachability of this registry (repeatable)', collect, [])
    .option('--json', 'JSON envelope on stdout')
    .action(async (flags: { registry: string[] }, command: Command) => {
      const ctx = context(command);
      const checks = await (await import('../commands/doctor.js')).doctor(ctx, flags.registry);
      const ok = checks.every((check) => check.ok);
      if (ctx.output.json) ctx.output.envelope('doctor', { ok, checks });
      else {
        const c = ctx.output.color;
        for (const check of checks) {
          ctx.output.line(`${check.ok ? c.green('ok') : c.red('problem')}  ${check.name}  ${check.detail}`);
          if (check.fix !== null) ctx.output.line(`  ${c.dim(`fix: ${check.fix}`)}`);
        }
      }
      settle(ok ? ExitCode.ok : ExitCode.failed);
    });

  program
    .command('completion')
    .description('print a shell completion script (project names included): eval "$(cascade-image completion bash)"')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
    .action(async (shell: 'bash' | 'zsh') => {
      const { completionScript, completionSpecFromCommander } = await import('./completion.js');
      runtime.stdout.write(completionScript(shell, completionSpecFromCommander(program)));
      settle(ExitCode.ok);
    });

  // Called by the completion scripts at completion time; quiet on any error.
  program
    .command('__complete', { hidden: true })
    .argument('<what>')
    .action(async (what: string, _flags: unknown, command: Command) => {
      if (what === 'projects') {
        try {
          const projects = await (await import('../commands/read.js')).listProjects(context(command));
          for (const slot of projects) if (slot.subject.kind === 'project') runtime.stdout.write(`${slot.subject.project}\n`);
        } catch {
          // Completion must never print errors into the user's command line.
        }
      }
      settle(ExitCode.ok);
    });

  return program;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
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

function timeoutOf(text: string | undefined): number {
  const ms = parseDuration(text ?? DEFAULT_TIMEOUT);
  if (ms === undefined || ms <= 0) {
    throw new UsageError(`invalid --timeout ${JSON.stringify(text)}`, { hint: 'use a duration such as 90s, 5m or 1m30s' });
  }
  return ms;
}

function sinceOf(text: string, now: Date): string {
  const ms = parseDuration(text);
  if (ms !== undefined) return new Date(now.getTime() - ms).toISOString();
  const time = new Date(text);
  if (Number.isNaN(time.getTime())) {
    throw new UsageError(`invalid --since ${JSON.stringify(text)}`, { hint: 'use a duration (24h, 30m) or an ISO time (2026-11-28T06:00:00Z)' });
  }
  return time.toISOString();
}

function interruptedBy(ctx: AppContext): 'SIGINT' | 'SIGTERM' | undefined {
  const reason: unknown = ctx.signal.reason;
  return ctx.signal.aborted && (reason === 'SIGINT' || reason === 'SIGTERM') ? reason : undefined;
}

function defaultView(current: DefaultImage): Record<string, unknown> {
  if (current.source === 'store') return { source: 'store', ...slotView(current.slot) };
  if (current.source === 'env') return { source: 'env', workerImage: current.reference, workerImageStatus: null, unvalidated: true };
  return { source: 'none', workerImage: null };
}

