import type { Command } from 'commander';
import type { SetImageDeps, SetImageInput, SetImageResult } from '../../commands/set.js';
import { subjectName, type LifecycleListener, type Subject } from '../../domain/index.js';
import { ExitCode, type ExitCodeValue } from '../../errors.js';
import { slotLine } from '../../render/lifecycle.js';
import { JSON_SCHEMA_VERSION } from '../../render/output.js';
import { slotView } from '../../render/views.js';
import { exitCodeForOutcomes } from '../exit-codes.js';
import type { CliKit } from '../kit.js';
import { DEFAULT_TIMEOUT, timeoutOf } from '../options.js';
import type { Services } from '../services.js';

/** Flags of every command that stores a reference and validates it. */
export interface ValidationFlags {
  validate?: boolean;
  timeout?: string;
  allowLocal?: boolean;
}

export function withValidationFlags(command: Command): Command {
  return command
    .option('--no-validate', 'store the reference as pending without validating it now')
    .option('--timeout <duration>', 'smoke-test timeout, e.g. 90s, 5m', DEFAULT_TIMEOUT)
    .option('--allow-local', 'accept an image that exists only locally (pins its image ID)')
    .option('--json', 'NDJSON lifecycle events on stdout');
}

/** The grammar check, loaded only by the commands that take a reference: `show` never pays for it. */
export async function checkedReference(reference: string): Promise<string> {
  return (await import('../../lifecycle/change.js')).checkReference(reference);
}

/** What the validation flags ask for, checked: exit 2 on a bad --timeout before anything runs. */
export function validationInput(flags: ValidationFlags): { validate: boolean; allowLocal: boolean; timeoutMs: number } {
  return { validate: flags.validate !== false, allowLocal: flags.allowLocal === true, timeoutMs: timeoutOf(flags.timeout) };
}

/** Runs one change (`set`, `clear`, `update`, `defaults set|clear`) and renders it; returns the exit code. */
export async function runChange(kit: CliKit, command: Command, input: SetImageInput): Promise<ExitCodeValue> {
  const { setImage } = await import('../../commands/set.js');
  return runChangeWith(kit, command, input.subject, (deps) => setImage(input, deps));
}

/** Any command built on setImage (`create` too): wires its dependencies, runs it, renders the result. */
export async function runChangeWith(
  kit: CliKit,
  command: Command,
  subject: Subject,
  perform: (deps: SetImageDeps) => Promise<SetImageResult>,
): Promise<ExitCodeValue> {
  const services = kit.services(command);
  return finishChange(services, await perform(changeDeps(services, await reporterFor(services))), subject);
}

/** The dependencies of a change, from this invocation's services. */
function changeDeps(services: Services, listener: LifecycleListener): SetImageDeps {
  return {
    store: services.store,
    storeExists: services.storeExists,
    engine: services.engine,
    actor: services.actor,
    signal: services.signal,
    listener,
  };
}

/** The lifecycle reporter, loaded only by commands that report a lifecycle. */
export async function reporterFor(services: Services): Promise<LifecycleListener> {
  return (await import('../../render/reporter.js')).lifecycleReporter(services.output);
}

/**
 * Prints what a change did when the lifecycle reporter did not (it printed pending, verified or
 * failed for a new reference) and returns the exit code.
 */
function finishChange(services: Services, result: SetImageResult, subject: Subject): ExitCodeValue {
  const after = result.change?.after;
  if (after === undefined || after.reference === null) printCleared(services, result, subject);

  return result.outcome === undefined ? ExitCode.ok : exitCodeForOutcomes([result.outcome], services.interruptedBy());
}

function printCleared(services: Services, result: SetImageResult, subject: Subject): void {
  const { output } = services;
  const after = result.change?.after;
  if (output.json) {
    output.jsonLine({
      schemaVersion: JSON_SCHEMA_VERSION,
      event: 'cleared',
      scope: subject.kind,
      changed: !result.unchanged,
      ...(after === undefined ? { project: null, workerImage: null } : slotView(after)),
    });
  } else if (subject.kind === 'default') {
    output.line(`${subjectName(subject)}  none${result.unchanged ? '  (nothing was set)' : ''}`);
  } else {
    output.line(`${slotLine(after, subject, output.color)}${result.unchanged ? output.color.dim('  (already)') : ''}`);
  }
}
