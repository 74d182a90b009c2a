import type { Command } from 'commander';
import { projectSubject } from '../../domain/index.js';
import { checkProjectId } from '../../lifecycle/project-id.js';
import type { CliKit } from '../kit.js';
import { runChange, validationInput } from './change.js';

export function registerClear(program: Command, kit: CliKit): void {
  program
    .command('clear')
    .description('revert a project to the global default image (no Docker call)')
    .argument('<project>', 'project id')
    .option('--json', 'JSON envelope on stdout')
    .action(
      kit.action(async (project: string, _flags: unknown, command: Command) =>
        runChange(kit, command, {
          subject: projectSubject(checkProjectId(project)),
          reference: null,
          create: false,
          ...validationInput({ validate: false }),
          via: 'clear',
        }),
      ),
    );
}
