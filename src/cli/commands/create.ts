import type { Command } from 'commander';
import { projectSubject } from '../../domain/index.js';
import { checkProjectId } from '../../lifecycle/project-id.js';
import type { CliKit } from '../kit.js';
import { checkedReference, runChangeWith, validationInput, withValidationFlags, type ValidationFlags } from './change.js';

export function registerCreate(program: Command, kit: CliKit): void {
  withValidationFlags(
    program
      .command('create')
      .description('create a project, optionally with its own image (validated like set)')
      .argument('<project>', 'project id')
      .option('--worker-image <ref>', 'the image to give it'),
  ).action(
    kit.action(async (project: string, flags: ValidationFlags & { workerImage?: string }, command: Command) => {
      const input = {
        project: checkProjectId(project),
        reference: flags.workerImage === undefined ? null : await checkedReference(flags.workerImage),
        ...validationInput(flags),
        via: 'create',
      };
      const { createProject } = await import('../../commands/create.js');
      return runChangeWith(kit, command, projectSubject(project), (deps) => createProject(input, deps));
    }),
  );
}
