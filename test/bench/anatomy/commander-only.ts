import { Command } from 'commander';
import { printLines } from './print-lines.js';
import { readLines } from './read-path.js';

// Probe: the read path under commander, with the product's global options and the read
// commands' own, and nothing else of the CLI layer (no Services, no Output).
const program = new Command('cascade-image')
  .exitOverride()
  .description('Give a CASCADE project its own worker image, and prove it can host a run before anything launches it.')
  .version('0.0.0', '-V, --version')
  .option('--db <path>', 'store file')
  .option('--actor <name>', 'who is acting, for the audit log')
  .option('--docker-host <url>', 'Docker engine endpoint')
  .option('--no-color', 'no colour in output')
  .option('-q, --quiet', 'print results only')
  .showHelpAfterError('(run with --help for usage)');
const storePath = () => program.opts<{ db?: string }>().db ?? process.env.CASCADE_IMAGE_DB ?? '';
program
  .command('show')
  .description("show a project's image lifecycle")
  .argument('<project>', 'project id')
  .option('--json', 'JSON envelope on stdout')
  .action(async (project: string) => printLines(await readLines('show', project, storePath())));
program
  .command('list')
  .description('one lifecycle line per project')
  .option('--json', 'JSON envelope on stdout')
  .action(async () => printLines(await readLines('list', '', storePath())));
// A CommonJS bundle has no top-level await.
void program.parseAsync(process.argv.slice(2), { from: 'user' }).then(() => process.exit(0));
