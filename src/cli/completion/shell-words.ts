// Pieces both script generators use. Every word reaching them has passed buildModel's checks.
import { COMPLETE_PROJECTS_ARGS, DB_OPTION, type Model, type ParsedOption } from './spec.js';

/** Single-quotes a checked word (it holds no quote, so nothing can break out). */
export const sq = (word: string) => `'${word}'`;

/** Every flag name of the options: '-q, --quiet' gives -q and --quiet. */
export const words = (options: readonly ParsedOption[]) => options.flatMap((o) => o.names);

/** `case "$1 $2"` patterns for options taking a value: globals after any command, others after theirs. */
export function valueOptionPatterns(model: Model): string[] {
  const patterns = words(model.globals.filter((o) => o.takesValue)).map((name) => `*${sq(` ${name}`)}`);
  for (const command of model.commands) {
    for (const name of words(command.options.filter((o) => o.takesValue))) patterns.push(sq(`${command.name} ${name}`));
  }
  // --db always takes a value, whatever the spec says: the scripts rely on it.
  if (!words(model.globals).includes(DB_OPTION)) patterns.push(`*${sq(` ${DB_OPTION}`)}`);
  return patterns;
}

/** The comment lines both scripts carry after their own header. */
export function headerNote(model: Model): string[] {
  return [
    `# Project ids come from \`${model.program} ${COMPLETE_PROJECTS_ARGS.join(' ')}\` (honouring --db on the line) and are`,
    '# only ever handled as data, never evaluated.',
  ];
}

/** The shell command that prints the project ids, one per line: `command 'program' __complete projects`. */
export function projectsCommand(model: Model): string {
  return `command ${sq(model.program)} ${COMPLETE_PROJECTS_ARGS.join(' ')}`;
}
