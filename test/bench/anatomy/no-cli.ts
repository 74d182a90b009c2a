import { printLines } from './print-lines.js';
import { readLines } from './read-path.js';

// Probe: the read path with no CLI layer at all (argv read by position).
const [command, project = ''] = process.argv.slice(2);
// A CommonJS bundle has no top-level await.
void readLines(command === 'list' ? 'list' : 'show', project, process.env.CASCADE_IMAGE_DB ?? '').then((lines) => {
  printLines(lines);
  process.exit(0);
});
