import { Argument, type Command } from 'commander';
import { ExitCode } from '../../errors.js';
import type { CliKit } from '../kit.js';

export function registerCompletion(program: Command, kit: CliKit): void {
  program
    .command('completion')
    .description('print a shell completion script (project names included): eval "$(cascade-image completion bash)"')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
    .action(
      kit.action(async (shell: 'bash' | 'zsh') => {
        const { completionScript, completionSpecFromCommander } = await import('../completion/index.js');
        kit.runtime.stdout.write(completionScript(shell, completionSpecFromCommander(program)));
        return ExitCode.ok;
      }),
    );

  // Called by the completion scripts at completion time; quiet on any error.
  program
    .command('__complete', { hidden: true })
    .argument('<what>')
    .action(
      kit.action(async (what: string, _flags: unknown, command: Command) => {
        if (what !== 'projects') return ExitCode.ok;
        try {
          const projects = await (await import('../../commands/read.js')).listSummaries({ store: kit.services(command).readStore });
          for (const slot of projects) if (slot.subject.kind === 'project') kit.runtime.stdout.write(`${slot.subject.project}\n`);
        } catch {
          // Completion must never print errors into the user's command line.
        }
        return ExitCode.ok;
      }),
    );
}
