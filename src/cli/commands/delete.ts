import type { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import { checkProjectId } from '../../lifecycle/project-id.js';
import { slotView } from '../../render/views.js';
import type { CliKit } from '../kit.js';

export function registerDelete(program: Command, kit: CliKit): void {
  program
    .command('delete')
    .description('delete a project (refused while it has its own image, unless --force)')
    .argument('<project>', 'project id')
    .option('--force', 'delete even though it has an image')
    .option('--json', 'JSON envelope on stdout')
    .action(
      kit.action(async (project: string, flags: { force?: boolean }, command: Command) => {
        checkProjectId(project);
        const services = kit.services(command);
        const { deleteProject } = await import('../../commands/delete.js');
        const before = await deleteProject({ project, force: flags.force === true }, { store: services.store, actor: services.actor });
        if (services.output.json) services.output.envelope('delete', { deleted: slotView(before) });
        else services.output.line(`${project}  deleted`);
        return ExitCode.ok;
      }),
    );
}
