import type { Command } from 'commander';
import type { SetContractInput } from '../../commands/contract.js';
import { DEFAULT_SUBJECT, projectOf, type LifecycleListener, type Subject } from '../../domain/index.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../../errors.js';
import { JSON_SCHEMA_VERSION } from '../../render/output.js';
import { readTextFile } from '../text-file.js';
import { exitCodeForOutcomes } from '../exit-codes.js';
import type { CliKit } from '../kit.js';
import { scopeOf, type ScopeFlags } from '../scope.js';
import { DEFAULT_TIMEOUT, timeoutOf } from '../options.js';
import { checkedReference, reporterFor } from './change.js';

interface ChangeFlags extends ScopeFlags {
  validate?: boolean;
  timeout?: string;
  json?: boolean;
}

/** What `--default` stands for, when neither it nor a project is given. */
const DEFAULT_MEANS = 'the contract of every project without one';

/** `contract set|clear|show|lint|init`: which checks an image is held to, per project and for the default scope. */
export function registerContract(program: Command, kit: CliKit): void {
  const contract = program
    .command('contract')
    .description('the checks an image must pass: per project, for the default scope, or the built-in worker contract');

  contract
    .command('show')
    .description('the contract that applies (its own, the default scope\'s, or the built-in), with its hash')
    .argument('[project]', 'project id (omit with --default)')
    .option('--default', 'the default scope: projects without a contract of their own, and the global default image')
    .option('--json', 'JSON envelope on stdout')
    .action(
      kit.action(async (project: string | undefined, flags: ScopeFlags, command: Command) => {
        const scope = project === undefined && flags.default !== true ? DEFAULT_SUBJECT : scopeOf(project, flags, DEFAULT_MEANS);
        const services = kit.services(command);
        const shown = await (await import('../../commands/contract.js')).showContract(scope, { store: services.readStore });
        const render = await import('../../render/contract.js');
        if (services.output.json) services.output.envelope('contract show', render.contractView(shown));
        else for (const line of render.renderContractShow(shown, services.output.color)) services.output.line(line);
        return ExitCode.ok;
      }),
    );

  contract
    .command('lint')
    .description('check a contract file: every error names the file, the line and the field (exit 2)')
    .argument('<file>', 'contract file (YAML or JSON)')
    .option('--json', 'JSON envelope on stdout')
    .action(
      kit.action(async (file: string, _flags: unknown, command: Command) => {
        const services = kit.services(command);
        const linted = (await import('../../commands/contract.js')).lintContract({ text: readTextFile(file, 'contract file'), fileName: file });
        const render = await import('../../render/contract.js');
        if (services.output.json) services.output.envelope('contract lint', { file, hash: linted.hash, contract: linted.contract });
        else services.output.line(render.lintLine(file, linted, services.output.color));
        return ExitCode.ok;
      }),
    );

  withChangeFlags(
    contract
      .command('set')
      .description("hold a project's image (or, with --default, every project without its own) to a contract file; re-validates the image")
      .argument('<target>', 'project id, then the file; with --default only the file')
      .argument('[file]', 'contract file (YAML or JSON)'),
  ).action(
    kit.action(async (target: string, file: string | undefined, flags: ChangeFlags, command: Command) => {
      const [project, path] = flags.default === true ? [undefined, file === undefined ? target : undefined] : [target, file];
      if (path === undefined) throw new UsageError(flags.default === true ? 'give only the file with --default' : 'give the project and the contract file');
      const scope = scopeOf(project, flags, DEFAULT_MEANS);
      // Read and checked before the store is opened: a bad file stores nothing (exit 2).
      const text = { text: readTextFile(path, 'contract file'), fileName: path };
      return runContractChange(kit, command, flags, { scope, file: text });
    }),
  );

  withChangeFlags(
    contract
      .command('clear')
      .description("drop a project's own contract (it falls back to the default scope's), or with --default the default scope's (back to the built-in)")
      .argument('[project]', 'project id (omit with --default)'),
  ).action(
    kit.action(async (project: string | undefined, flags: ChangeFlags, command: Command) => {
      const scope = scopeOf(project, flags, DEFAULT_MEANS);
      return runContractChange(kit, command, flags, { scope, file: null });
    }),
  );

  contract
    .command('init')
    .description('probe a known-good image in the smoke container and print a contract it passes, its versions as floors')
    .requiredOption('--from <ref>', 'the known-good image reference')
    .option('--allow-local', 'accept an image that exists only locally')
    .option('--timeout <duration>', 'probe timeout, e.g. 90s, 5m', DEFAULT_TIMEOUT)
    .action(
      kit.action(async (flags: { from: string; allowLocal?: boolean; timeout?: string }, command: Command) => {
        const reference = await checkedReference(flags.from);
        const timeoutMs = timeoutOf(flags.timeout);
        const services = kit.services(command);
        const initialized = await (await import('../../commands/contract.js')).initContract(
          { reference, allowLocal: flags.allowLocal === true, timeoutMs },
          { engine: services.engine, signal: services.signal },
        );
        const render = await import('../../render/contract.js');
        services.output.note(render.probedNote(initialized, services.output.color));
        for (const line of render.renderInitFile(initialized, kit.runtime.now())) services.output.line(line);
        return ExitCode.ok;
      }),
    );
}

function withChangeFlags(command: Command): Command {
  return command
    .option('--default', 'the default scope: projects without a contract of their own, and the global default image')
    .option('--no-validate', 'change the contract without re-validating the image now (validate --all reports contract-changed)')
    .option('--timeout <duration>', 'smoke-test timeout, e.g. 90s, 5m', DEFAULT_TIMEOUT)
    .option('--json', 'NDJSON: lifecycle events of the re-validation, then the contract change');
}

/**
 * Wires a contract change's dependencies and runs it. The change is printed when it happens
 * (before the re-validation's lines, which the lifecycle reporter prints as for `set`).
 */
async function runContractChange(
  kit: CliKit,
  command: Command,
  flags: ChangeFlags,
  change: Pick<SetContractInput, 'scope' | 'file'>,
): Promise<ExitCodeValue> {
  // Checked before anything is opened: a bad --timeout is exit 2 with nothing stored.
  const input: SetContractInput = { ...change, validate: flags.validate !== false, timeoutMs: timeoutOf(flags.timeout) };
  const services = kit.services(command);
  const { output } = services;
  const [commands, render, reporter] = await Promise.all([import('../../commands/contract.js'), import('../../render/contract.js'), reporterFor(services)]);
  const listener: LifecycleListener = (event) => {
    if (event.type !== 'contract-changed') return reporter(event);
    // The audit line, as every change prints it: structured, on stderr.
    output.logJson({ event: event.after === null ? 'contract_cleared' : 'contract_set', actorId: event.actor, projectId: projectOf(event.subject), from: event.before, to: event.after });
    if (output.json) output.jsonLine({ schemaVersion: JSON_SCHEMA_VERSION, event: 'contract', ...render.contractEventView(event) });
    else output.line(render.contractChangedLine(event, output.color));
  };
  const result = await commands.setContract(input, { store: services.store, storeExists: services.storeExists, engine: services.engine, actor: services.actor, signal: services.signal, listener });
  if (!result.change.changed) {
    if (output.json) output.jsonLine({ schemaVersion: JSON_SCHEMA_VERSION, event: 'contract', ...render.contractChangeView(result) });
    else output.line(render.unchangedLine(result, output.color));
  }
  for (const note of render.contractChangeNotes(result)) output.note(note);
  return result.outcome === undefined ? ExitCode.ok : exitCodeForOutcomes([result.outcome], services.interruptedBy());
}
