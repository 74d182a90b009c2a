import { Argument, Option, type Command } from 'commander';
import { ExitCode } from '../errors.js';
import type { OperatorRole } from '../lifecycle/model.js';
import { collect, type CliKit } from './kit.js';

/** Operating the tool itself: operators, cleanup, doctor, completion. */
export function registerAdminCommands(program: Command, { context, settle, runtime }: CliKit): void {
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

}
