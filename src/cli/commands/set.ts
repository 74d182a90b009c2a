import type { Command } from 'commander';
import { projectSubject } from '../../domain/index.js';
import { checkProjectId } from '../../lifecycle/project-id.js';
import type { CliKit } from '../kit.js';
import { checkedReference, runChange, validationInput, withValidationFlags, type ValidationFlags } from './change.js';

export function registerSet(program: Command, kit: CliKit): void {
  withValidationFlags(
    program
      .command('set')
      .description('give a project an image: stored as pending, then pulled, pinned and smoke-tested')
      .argument('<project>', 'project id')
      .argument('<ref>', 'image reference, e.g. registry.example.com/team/worker:1.4')
      .option('--create', 'create the project if it does not exist'),
  ).action(
    kit.action(async (project: string, ref: string, flags: ValidationFlags & { create?: boolean }, command: Command) =>
      // Grammar first: a bad id or reference is exit 2 before the store is even opened.
      runChange(kit, command, {
        subject: projectSubject(checkProjectId(project)),
        reference: await checkedReference(ref),
        create: flags.create === true,
        ...validationInput(flags),
        via: 'set',
      }),
    ),
  );
}
