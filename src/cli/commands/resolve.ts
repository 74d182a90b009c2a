import type { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import { checkProjectId } from '../../lifecycle/project-id.js';
import type { CliKit } from '../kit.js';
import { DEFAULT_IMAGE_ENV, readDeps } from './read-deps.js';

export function registerResolve(program: Command, kit: CliKit): void {
  program
    .command('resolve')
    .description('print the image a launcher must use: the pinned digest, or the global default')
    .argument('<project>', 'project id')
    .option('--json', 'JSON envelope on stdout')
    .action(
      kit.action(async (project: string, _flags: unknown, command: Command) => {
        checkProjectId(project);
        const services = kit.services(command);
        const { output } = services;
        const resolution = await (await import('../../commands/read.js')).resolveProject(project, readDeps(services));
        if (output.json) output.envelope('resolve', resolution);
        else {
          output.line(resolution.image);
          for (const warning of resolution.warnings) output.note(output.color.yellow(`warning: ${warning}`));
          if (resolution.unvalidated) output.note(`note: ${resolution.image} comes from ${DEFAULT_IMAGE_ENV} and was never validated`);
        }
        return ExitCode.ok;
      }),
    );
}
