import type { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import { checkProjectId } from '../../lifecycle/project-id.js';
import type { CliKit } from '../kit.js';
import { limitOf, sinceOf } from '../options.js';

export function registerHistory(program: Command, kit: CliKit): void {
  program
    .command('history')
    .description('the audit trail, newest first: who changed what, when, and how validation ended')
    .argument('[project]', 'only this project')
    .option('--since <when>', 'only entries since a duration ago (e.g. 24h) or an ISO time')
    .option('--limit <n>', 'at most this many entries', '50')
    .option('--json', 'JSON envelope on stdout')
    .action(
      kit.action(async (project: string | undefined, flags: { since?: string; limit?: string }, command: Command) => {
        const query = {
          ...(project === undefined ? {} : { project: checkProjectId(project) }),
          ...(flags.since === undefined ? {} : { since: sinceOf(flags.since, kit.runtime.now()) }),
          limit: limitOf(flags.limit),
        };
        const services = kit.services(command);
        const { output } = services;
        const entries = await (await import('../../commands/history.js')).history(query, { store: services.readStore });
        if (output.json) output.envelope('history', { entries });
        else if (entries.length === 0) output.note('no audit entries match');
        else for (const line of (await import('../../render/human.js')).renderAudit(entries, output.color)) output.line(line);
        return ExitCode.ok;
      }),
    );
}
