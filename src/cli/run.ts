import { CommanderError, type Command } from 'commander';
import { asCascadeError, ExitCode, type ExitCodeValue } from '../errors.js';
import { JSON_SCHEMA_VERSION } from '../render/output.js';
import { colourPossible, loadChalkPalette } from '../render/palette.js';
import { escapeUnprintable } from '../render/printable.js';
import { hintFor } from './hints.js';
import type { CliKit } from './kit.js';
import { buildProgram } from './program.js';
import type { Runtime } from './runtime.js';
import { Services, type GlobalOptions } from './services.js';

/** Runs one invocation and returns its exit code; errors become a clear message and their exit code. */
export async function run(runtime: Runtime, version: string): Promise<number> {
  let exitCode: ExitCodeValue = ExitCode.ok;
  const opened: Services[] = [];
  // chalk only where colour can be on: a pipe, a file, NO_COLOR or a dumb terminal never load it.
  const colours = colourPossible(runtime.env, runtime.stdout) ? await loadChalkPalette() : undefined;
  const kit: CliKit = {
    runtime,
    services: (command: Command) => {
      const services = new Services(runtime, command.optsWithGlobals<GlobalOptions>(), colours);
      opened.push(services);
      return services;
    },
    action:
      (handler) =>
      async (...args) => {
        exitCode = await handler(...args);
      },
  };
  const program = buildProgram(kit, version, runtime.argv);
  const unsubscribe = runtime.onSignal((signal) => {
    for (const services of opened) services.abort(signal);
  });
  try {
    await program.parseAsync([...runtime.argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version are successes; every other commander complaint is a usage error.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    return reportError(runtime, error, opened.at(-1));
  } finally {
    unsubscribe();
    await Promise.all(opened.map((services) => services.close().catch(() => undefined)));
  }
}

/** The error as a person reads it (stderr, with what to do) and, with --json, as the error envelope. */
function reportError(runtime: Runtime, error: unknown, services: Services | undefined): ExitCodeValue {
  const failure = asCascadeError(error);
  const hint = hintFor(failure);
  if (services?.output.json === true) {
    services.output.jsonLine({
      schemaVersion: JSON_SCHEMA_VERSION,
      ok: false,
      error: { code: failure.code, message: failure.message, hint: hint ?? null, exitCode: failure.exitCode },
    });
  }
  runtime.stderr.write(`cascade-image: ${escapeUnprintable(failure.message)}\n`);
  if (hint !== undefined) runtime.stderr.write(`  ${hint === failure.hint ? failure.hintLabel : 'hint'}: ${escapeUnprintable(hint)}\n`);
  if (failure.exitCode === ExitCode.internal && failure.cause instanceof Error && runtime.env.CASCADE_IMAGE_DEBUG) {
    runtime.stderr.write(`${failure.cause.stack ?? ''}\n`);
  }
  return failure.exitCode;
}
