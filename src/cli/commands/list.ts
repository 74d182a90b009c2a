import type { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import { slotLine } from '../../render/lifecycle.js';
import { slotView } from '../../render/views.js';
import type { CliKit } from '../kit.js';

export function registerList(program: Command, kit: CliKit): void {
  program
    .command('list')
    .description('one lifecycle line per project')
    .option('--json', 'JSON envelope on stdout')
    .action(
      kit.action(async (_flags: unknown, command: Command) => {
        const services = kit.services(command);
        const { output } = services;
        const read = await import('../../commands/read.js');
        if (output.json) {
          output.envelope('list', { projects: (await read.listProjects({ store: services.readStore })).map(slotView) });
          return ExitCode.ok;
        }
        const projects = await read.listSummaries({ store: services.readStore });
        if (projects.length === 0) output.note('no projects yet: cascade-image set <project> <ref> --create');
        else output.lines(projects.map((slot) => slotLine(slot, slot.subject, output.color)));
        return ExitCode.ok;
      }),
    );
}
