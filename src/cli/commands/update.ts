import { Option, type Command } from 'commander';
import { projectSubject } from '../../domain/index.js';
import { UsageError } from '../../errors.js';
import { checkProjectId } from '../../lifecycle/project-id.js';
import type { CliKit } from '../kit.js';
import { checkedReference, runChange, validationInput, withValidationFlags, type ValidationFlags } from './change.js';

export function registerUpdate(program: Command, kit: CliKit): void {
  withValidationFlags(
    program
      .command('update')
      .description("change a project's image (--worker-image) or revert it to the default (--clear-worker-image)")
      .argument('<project>', 'project id')
      .addOption(new Option('--worker-image <ref>', 'the new image').conflicts('clearWorkerImage'))
      .addOption(new Option('--clear-worker-image', 'revert to the global default')),
  ).action(
    kit.action(async (project: string, flags: ValidationFlags & { workerImage?: string; clearWorkerImage?: boolean }, command: Command) => {
      if (flags.workerImage === undefined && flags.clearWorkerImage !== true) {
        throw new UsageError('update needs --worker-image <ref> or --clear-worker-image');
      }
      const subject = projectSubject(checkProjectId(project));
      const reference = flags.clearWorkerImage === true || flags.workerImage === undefined ? null : await checkedReference(flags.workerImage);
      // Reverting to the default validates nothing, whatever the flags say.
      const validation = validationInput(reference === null ? { validate: false } : flags);
      return runChange(kit, command, { subject, reference, create: false, ...validation, via: 'update' });
    }),
  );
}
