import type { Command } from 'commander';
import { InternalError } from '../../errors.js';

/**
 * What the completion scripts know about the command tree. Options may be bare flags
 * ('--json') or commander flag strings ('-q, --quiet', '--timeout <duration>'): a `<value>`
 * or `[value]` placeholder marks an option whose next word is its value, not an argument.
 */
export interface CompletionSpec {
  readonly commands: ReadonlyArray<{
    readonly name: string;
    readonly options: readonly string[];
    readonly subcommands?: readonly string[];
    /** Its first positional argument (after the subcommand, if any) is a project id. */
    readonly takesProject: boolean;
    /** Every positional argument is a project id (validate [projects...]). Needs takesProject. */
    readonly repeatsProject?: boolean;
  }>;
  readonly globalOptions: readonly string[];
}

/** The hidden command the scripts call: one project id per line on stdout. */
export const COMPLETE_PROJECTS_ARGS = ['__complete', 'projects'] as const;
/** Passed to that command when the line being completed names a store with --db. */
export const DB_ENV = 'CASCADE_IMAGE_DB';
export const DB_OPTION = '--db';

export interface ParsedOption {
  readonly names: readonly string[];
  readonly takesValue: boolean;
}

/** The checked, parsed spec the script generators work from. */
export interface Model {
  readonly program: string;
  /** Shell-identifier form of the program name, for function names. */
  readonly ident: string;
  readonly globals: readonly ParsedOption[];
  readonly commands: ReadonlyArray<{
    readonly name: string;
    readonly options: readonly ParsedOption[];
    readonly subcommands: readonly string[];
    readonly projects: 'none' | 'first' | 'all';
  }>;
}

// Every word the spec contributes is checked against these, so it can be pasted into shell
// code (inside single quotes, and into compgen -W) without any way to break out of it.
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const FLAG = /^--?[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * Derives the spec from the commander tree, so completion cannot drift from the CLI.
 * Subcommands' options are merged into their parent's; commands whose name starts with "__"
 * are internal and left out. `--help` is added to the global options.
 */
export function completionSpecFromCommander(program: Command, projectArguments: readonly string[] = ['project', 'projects']): CompletionSpec {
  const flagsOf = (command: Command) => command.options.filter((o) => !o.hidden).map((o) => o.flags);
  const projectArg = (command: Command) => {
    const first = command.registeredArguments[0];
    return first !== undefined && projectArguments.includes(first.name()) ? first : undefined;
  };
  const commands = program.commands
    .filter((command) => !command.name().startsWith('__'))
    .map((command) => {
      const subs = command.commands.filter((sub) => !sub.name().startsWith('__'));
      const withArgs = [command, ...subs];
      const project = withArgs.map(projectArg).find((arg) => arg !== undefined);
      return {
        name: command.name(),
        options: [...new Set(withArgs.flatMap(flagsOf))],
        ...(subs.length > 0 ? { subcommands: subs.map((sub) => sub.name()) } : {}),
        takesProject: project !== undefined,
        ...(project?.variadic === true ? { repeatsProject: true } : {}),
      };
    });
  return { commands, globalOptions: [...flagsOf(program), '-h, --help'] };
}

/** Checks every word of the spec (throwing InternalError) and parses its options. */
export function buildModel(spec: CompletionSpec, programName: string): Model {
  check(NAME, programName, 'program name');
  const seen = new Set<string>();
  const commands = spec.commands.map((command) => {
    check(NAME, command.name, 'command name');
    if (seen.has(command.name)) throw new InternalError(`completion spec: command ${command.name} appears twice`);
    seen.add(command.name);
    for (const sub of command.subcommands ?? []) check(NAME, sub, `subcommand of ${command.name}`);
    return {
      name: command.name,
      options: command.options.map(parseOption),
      subcommands: command.subcommands ?? [],
      projects: !command.takesProject ? ('none' as const) : command.repeatsProject === true ? ('all' as const) : ('first' as const),
    };
  });
  return { program: programName, ident: programName.replace(/[^A-Za-z0-9_]/g, '_'), globals: spec.globalOptions.map(parseOption), commands };
}

function check(pattern: RegExp, word: string, what: string): void {
  if (!pattern.test(word)) throw new InternalError(`completion spec: invalid ${what} ${JSON.stringify(word)}`);
}

/** '-q, --quiet' → names -q --quiet; '--timeout <duration>' / '--timeout=<d>' → takes a value. */
function parseOption(entry: string): ParsedOption {
  const tokens = entry.split(/[\s,|=]+/).filter((token) => token !== '');
  const names = tokens.filter((token) => token.startsWith('-'));
  const placeholders = tokens.filter((token) => !token.startsWith('-'));
  if (names.length === 0) throw new InternalError(`completion spec: option ${JSON.stringify(entry)} has no flag`);
  for (const name of names) check(FLAG, name, 'option');
  for (const placeholder of placeholders) {
    if (!/^[<[].*[>\]]$/.test(placeholder)) throw new InternalError(`completion spec: cannot read option ${JSON.stringify(entry)}`);
  }
  return { names, takesValue: placeholders.length > 0 };
}
