import { Command } from 'commander';
import { registerCleanup } from './commands/cleanup.js';
import { registerClear } from './commands/clear.js';
import { registerCompletion } from './commands/completion.js';
import { registerContract } from './commands/contract.js';
import { registerApprove, registerTrust } from './commands/trust.js';
import { registerCreate } from './commands/create.js';
import { registerDefaults } from './commands/defaults.js';
import { registerDelete } from './commands/delete.js';
import { registerDoctor } from './commands/doctor.js';
import { registerHistory } from './commands/history.js';
import { registerList } from './commands/list.js';
import { registerOperators } from './commands/operators.js';
import { registerRef } from './commands/ref.js';
import { registerResolve } from './commands/resolve.js';
import { registerSet } from './commands/set.js';
import { registerShow } from './commands/show.js';
import { registerStore } from './commands/store.js';
import { registerUpdate } from './commands/update.js';
import { registerValidate } from './commands/validate.js';
import { commandWord } from './command-word.js';
import type { CliKit } from './kit.js';

type Register = (program: Command, kit: CliKit) => void;

/** Every command, in the order help lists them: changes, reads, then operating the tool itself. */
const COMMANDS: ReadonlyArray<readonly [string, Register]> = [
  ['set', registerSet],
  ['clear', registerClear],
  ['validate', registerValidate],
  ['defaults', registerDefaults],
  ['contract', registerContract],
  ['trust', registerTrust],
  ['approve', registerApprove],
  ['create', registerCreate],
  ['update', registerUpdate],
  ['delete', registerDelete],
  ['show', registerShow],
  ['list', registerList],
  ['resolve', registerResolve],
  ['ref', registerRef],
  ['history', registerHistory],
  ['operators', registerOperators],
  ['cleanup', registerCleanup],
  ['store', registerStore],
  ['doctor', registerDoctor],
  ['completion', registerCompletion],
];

/**
 * The command tree. Each action checks its arguments, calls one command function with the
 * dependencies it declares, renders the typed result and returns the exit code; nothing here
 * touches `process`. Only the command being run is registered when it is known (every start pays
 * for what it builds); help, completion and anything unknown get the whole tree.
 */
export function buildProgram(kit: CliKit, version: string, argv: readonly string[] = []): Command {
  // Set before any subcommand exists: commander copies these settings into each subcommand when
  // it is created, so a usage error in `set` throws (exit 2) instead of calling process.exit(1).
  const { runtime } = kit;
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

  const word = commandWord(argv);
  const only = word === 'completion' ? undefined : COMMANDS.find(([name]) => name === word || (word === '__complete' && name === 'completion'));
  for (const [, register] of only === undefined ? COMMANDS : [only]) register(program, kit);
  return program;
}
