import type { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import type { CliKit } from '../kit.js';

export function registerCleanup(program: Command, kit: CliKit): void {
  program
    .command('cleanup')
    .description('remove smoke-test containers of ours that no live run owns (never touches other containers)')
    .option('--dry-run', 'say what would be removed, remove nothing')
    .option('--json', 'JSON envelope on stdout')
    .action(
      kit.action(async (flags: { dryRun?: boolean }, command: Command) => {
        const services = kit.services(command);
        const { output } = services;
        const items = await (await import('../../commands/cleanup.js')).cleanupContainers(
          { dryRun: flags.dryRun === true },
          { docker: services.docker, store: services.readStore, actor: services.actor, here: services.here },
        );
        if (output.json) output.envelope('cleanup', { containers: items });
        else if (items.length === 0) output.note('no containers of ours on this engine');
        else for (const item of items) output.line(`${item.id.slice(0, 12)}  ${item.action}  ${item.project ?? '?'}  ${item.why}`);
        return ExitCode.ok;
      }),
    );
}
