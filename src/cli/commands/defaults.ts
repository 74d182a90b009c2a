import type { Command } from 'commander';
import { DEFAULT_SUBJECT } from '../../domain/index.js';
import { ExitCode } from '../../errors.js';
import { defaultView } from '../../render/views.js';
import type { CliKit } from '../kit.js';
import { checkedReference, runChange, validationInput, withValidationFlags, type ValidationFlags } from './change.js';

/** `defaults` shows the global default; `defaults set|clear` change it like a project's image. */
export function registerDefaults(program: Command, kit: CliKit): void {
  const defaults = program
    .command('defaults')
    .description('show the global default image (subcommands change it)')
    .option('--json', 'JSON envelope on stdout')
    .action(
      kit.action(async (_flags: unknown, command: Command) => {
        const services = kit.services(command);
        const current = await (await import('../../commands/read.js')).defaultImage({ store: services.readStore, envDefault: services.env.CASCADE_DEFAULT_WORKER_IMAGE });
        if (services.output.json) services.output.envelope('defaults', defaultView(current));
        else for (const line of (await import('../../render/human.js')).renderDefault(current, services.output.color)) services.output.line(line);
        return ExitCode.ok;
      }),
    );

  withValidationFlags(defaults.command('set').description('set the global default image: validated and pinned like a project image').argument('<ref>', 'image reference')).action(
    kit.action(async (ref: string, flags: ValidationFlags, command: Command) =>
      runChange(kit, command, { subject: DEFAULT_SUBJECT, reference: await checkedReference(ref), create: false, ...validationInput(flags), via: 'defaults set' }),
    ),
  );

  defaults
    .command('clear')
    .description('remove the stored global default (CASCADE_DEFAULT_WORKER_IMAGE then applies, unvalidated)')
    .option('--json', 'JSON envelope on stdout')
    .action(
      kit.action(async (_flags: unknown, command: Command) =>
        runChange(kit, command, { subject: DEFAULT_SUBJECT, reference: null, create: true, ...validationInput({ validate: false }), via: 'defaults clear' }),
      ),
    );
}
