import { Command } from 'commander';
import type { ExitCodeValue } from '../errors.js';
import { registerAdminCommands } from './admin-commands.js';
import { registerChangeCommands } from './change-commands.js';
import { AppContext, type GlobalOptions } from './context.js';
import { registerReadCommands } from './read-commands.js';
import type { CliKit } from './kit.js';
import type { Runtime } from './runtime.js';

/**
 * The command tree. Each action parses its flags, calls one command function, renders the typed
 * result and reports an exit code through `settle`; nothing here touches `process`.
 */
export function buildProgram(runtime: Runtime, version: string, settle: (code: ExitCodeValue) => void, onContext: (ctx: AppContext) => void): Command {
  // Set before any subcommand exists: commander copies these settings into each subcommand when
  // it is created, so a usage error in `set` throws (exit 2) instead of calling process.exit(1).
  const program = new Command('cascade-image')
    .exitOverride()
    .configureOutput({ writeOut: (text) => runtime.stdout.write(text), writeErr: (text) => runtime.stderr.write(text) })
    .description('Give a CASCADE project its own worker image, and prove it can host a run before anything launches it.')
    .version(version, '-V, --version')
    .option('--db <path>', 'store file (env CASCADE_IMAGE_DB; default $XDG_DATA_HOME/cascade-image/cascade-image.db)')
    .option('--actor <name>', 'who is acting, for the audit log (env CASCADE_ACTOR; default the OS user)')
    .option('--docker-host <url>', 'Docker engine endpoint (default DOCKER_HOST, else unix:///var/run/docker.sock)')
    .option('--no-color', 'no colour in output (NO_COLOR is honoured too)')
    .option('-q, --quiet', 'print results only: no progress or notes on stderr')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', '\nExit codes: 0 ok/verified, 1 validation failed or not launchable, 2 bad input, 69 engine or store unavailable,\n75 still pending (resolve), 77 forbidden, 130/143 interrupted.');

  const kit: CliKit = {
    runtime,
    settle,
    context: (command) => {
      const ctx = new AppContext(runtime, command.optsWithGlobals<GlobalOptions>());
      onContext(ctx);
      return ctx;
    },
  };
  registerChangeCommands(program, kit);
  registerReadCommands(program, kit);
  registerAdminCommands(program, kit);
  return program;
}
