import { Option, type Command } from 'commander';
import type { OperatorRole } from '../../domain/index.js';
import { ExitCode } from '../../errors.js';
import { checkOperatorName } from '../../lifecycle/operator-name.js';
import type { CliKit } from '../kit.js';

export function registerOperators(program: Command, kit: CliKit): void {
  const operators = program.command('operators').description('who may do what: superadmins change, viewers re-validate, anyone reads (on PostgreSQL an operator is a database role)');
  operators
    .command('list')
    .option('--json', 'JSON envelope on stdout')
    .action(
      kit.action(async (_flags: unknown, command: Command) => {
        const services = kit.services(command);
        const list = await (await import('../../commands/operators.js')).listOperators({ store: services.readStore });
        if (services.output.json) services.output.envelope('operators', { operators: list });
        else for (const line of (await import('../../render/human.js')).renderOperators(list)) services.output.line(line);
        return ExitCode.ok;
      }),
    );
  operators
    .command('grant')
    .argument('<actor>', 'the operator (on PostgreSQL: an existing database role)')
    .addOption(new Option('--role <role>', 'the role').choices(['superadmin', 'viewer']).makeOptionMandatory())
    .option('--json', 'JSON envelope on stdout')
    .action(
      kit.action(async (actor: string, flags: { role: OperatorRole }, command: Command) => {
        const services = kit.services(command);
        const operator = checkOperatorName(actor);
        await (await import('../../commands/operators.js')).grantOperator({ operator, role: flags.role }, { store: services.store, actor: services.actor });
        if (services.output.json) services.output.envelope('operators grant', { actor, role: flags.role });
        else services.output.line(`${actor}  ${flags.role}`);
        return ExitCode.ok;
      }),
    );
  operators
    .command('revoke')
    .argument('<actor>', 'the operator')
    .option('--json', 'JSON envelope on stdout')
    .action(
      kit.action(async (actor: string, _flags: unknown, command: Command) => {
        const services = kit.services(command);
        const operator = checkOperatorName(actor);
        await (await import('../../commands/operators.js')).revokeOperator({ operator }, { store: services.store, actor: services.actor });
        if (services.output.json) services.output.envelope('operators revoke', { actor, role: null });
        else services.output.line(`${actor}  revoked`);
        return ExitCode.ok;
      }),
    );
}
