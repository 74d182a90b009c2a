import type { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import { checkProjectId } from '../../lifecycle/project-id.js';
import { defaultView, slotView } from '../../render/views.js';
import type { CliKit } from '../kit.js';
import { readDeps } from './read-deps.js';

export function registerShow(program: Command, kit: CliKit): void {
  program
    .command('show')
    .description("show a project's image lifecycle: pending, verified → digest, failed: reason, or (global default)")
    .argument('<project>', 'project id')
    .option('--json', 'JSON envelope on stdout')
    .action(
      kit.action(async (project: string, _flags: unknown, command: Command) => {
        checkProjectId(project);
        const services = kit.services(command);
        const shown = await (await import('../../commands/read.js')).showProject(project, { ...readDeps(services), here: services.here });
        if (services.output.json) {
          services.output.envelope('show', {
            ...slotView(shown.slot),
            lastRun: shown.lastRun ?? null,
            abandoned: shown.abandoned ?? null,
            contract: { source: shown.contract.source, name: shown.contract.contract.name, hash: shown.contract.hash },
            globalDefault: defaultView(shown.globalDefault),
          });
        } else {
          services.output.lines((await import('../../render/human.js')).renderShow(shown, services.output.color));
        }
        return ExitCode.ok;
      }),
    );
}
