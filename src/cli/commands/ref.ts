import type { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import type { CliKit } from '../kit.js';

export function registerRef(program: Command, kit: CliKit): void {
  program
    .command('ref')
    .description("parse image references with Docker's grammar (distribution/reference)")
    .argument('<refs...>', 'references to parse')
    .option('--json', 'one JSON object per line')
    .action(
      kit.action(async (refs: string[], _flags: unknown, command: Command) => {
        const { output } = kit.services(command);
        const [{ describeReference }, { renderReference }] = await Promise.all([import('../../reference/index.js'), import('../../render/human.js')]);
        const reports = refs.map(describeReference);
        for (const report of reports) {
          if (output.json) output.jsonLine(report);
          else output.line(renderReference(report, output.color));
        }
        return reports.every((report) => report.valid) ? ExitCode.ok : ExitCode.usage;
      }),
    );
}
