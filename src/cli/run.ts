import { CommanderError } from 'commander';
import { asCascadeError, ExitCode, type ExitCodeValue } from '../errors.js';
import { JSON_SCHEMA_VERSION } from '../render/output.js';
import type { AppContext } from './context.js';
import { buildProgram } from './program.js';
import type { Runtime } from './runtime.js';

/** Runs one invocation and returns its exit code; errors become a clear message and their exit code. */
export async function run(runtime: Runtime, version: string): Promise<number> {
  let exitCode: ExitCodeValue = ExitCode.ok;
  const contexts: AppContext[] = [];
  const program = buildProgram(
    runtime,
    version,
    (code) => {
      exitCode = code;
    },
    (ctx) => contexts.push(ctx),
  );
  const unsubscribe = runtime.onSignal((signal) => {
    for (const ctx of contexts) ctx.abort(signal);
  });
  try {
    await program.parseAsync([...runtime.argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version are successes; every other commander complaint is a usage error.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    const failure = asCascadeError(error);
    const ctx = contexts.at(-1);
    if (ctx?.output.json === true) {
      ctx.output.jsonLine({
        schemaVersion: JSON_SCHEMA_VERSION,
        ok: false,
        error: { code: failure.code, message: failure.message, hint: failure.hint ?? null, exitCode: failure.exitCode },
      });
    }
    runtime.stderr.write(`cascade-image: ${failure.message}\n`);
    if (failure.hint !== undefined) runtime.stderr.write(`  hint: ${failure.hint}\n`);
    if (failure.exitCode === ExitCode.internal && failure.cause instanceof Error && runtime.env.CASCADE_IMAGE_DEBUG) {
      runtime.stderr.write(`${failure.cause.stack ?? ''}\n`);
    }
    return failure.exitCode;
  } finally {
    unsubscribe();
    await Promise.all(contexts.map((ctx) => ctx.close().catch(() => undefined)));
  }
}
