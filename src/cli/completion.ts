import type { Command } from 'commander';
import { InternalError } from '../errors.js';

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

export type CompletionShell = 'bash' | 'zsh';

/** The hidden command the scripts call: one project id per line on stdout. */
export const COMPLETE_PROJECTS_ARGS = ['__complete', 'projects'] as const;
/** Passed to that command when the line being completed names a store with --db. */
const DB_ENV = 'CASCADE_IMAGE_DB';
const DB_OPTION = '--db';

interface ParsedOption {
  readonly names: readonly string[];
  readonly takesValue: boolean;
}

interface Model {
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
 * A completion script for bash (a `complete -F` function) or zsh (a `#compdef` function,
 * no bashcompinit). Project ids are fetched at completion time with
 * `<program> __complete projects` (CASCADE_IMAGE_DB set from a `--db X` on the line) and
 * handled strictly as data: read line by line, matched with [[ == "prefix"* ]] and quoted
 * with printf %q in bash (never through compgen -W, which expands its word list), passed
 * to compadd as arguments in zsh. Nothing from the line or the store is ever eval'd.
 */
export function completionScript(shell: CompletionShell, spec: CompletionSpec, programName = 'cascade-image'): string {
  const model = buildModel(spec, programName);
  return shell === 'bash' ? bashScript(model) : zshScript(model);
}

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

function buildModel(spec: CompletionSpec, programName: string): Model {
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

// ---------------------------------------------------------------------------------------------
// Shared pieces

const sq = (word: string) => `'${word}'`;
const words = (options: readonly ParsedOption[]) => options.flatMap((o) => o.names);

/** `case "$1 $2"` patterns for options taking a value: globals after any command, others after theirs. */
function valueOptionPatterns(model: Model): string[] {
  const patterns = words(model.globals.filter((o) => o.takesValue)).map((name) => `*${sq(` ${name}`)}`);
  for (const command of model.commands) {
    for (const name of words(command.options.filter((o) => o.takesValue))) patterns.push(sq(`${command.name} ${name}`));
  }
  // --db always takes a value, whatever the spec says: the scripts rely on it.
  if (!words(model.globals).includes(DB_OPTION)) patterns.push(`*${sq(` ${DB_OPTION}`)}`);
  return patterns;
}

const HEADER_NOTE = [
  `# Project ids come from \`PROGRAM ${COMPLETE_PROJECTS_ARGS.join(' ')}\` (honouring --db on the line) and are`,
  '# only ever handled as data, never evaluated.',
];

// ---------------------------------------------------------------------------------------------
// bash

function bashScript(model: Model): string {
  const p = `__${model.ident}`;
  const fn = `_${model.ident}_complete`;
  const patterns = valueOptionPatterns(model);
  const commandCases = model.commands.map((command) => {
    const parts = [`cmd_options=${sq(words(command.options).join(' '))}`];
    if (command.subcommands.length > 0) parts.push(`cmd_subcommands=${sq(command.subcommands.join(' '))}`);
    if (command.projects !== 'none') parts.push(`cmd_projects=${command.projects}`);
    return `    ${sq(command.name)}) ${parts.join('; ')} ;;`;
  });

  const lines = [
    `# bash completion for ${model.program}. Load it from ~/.bashrc with`,
    `#   source <(${model.program} completion bash)`,
    `# or save it as ~/.local/share/bash-completion/completions/${model.program}.`,
    ...HEADER_NOTE.map((line) => line.replace('PROGRAM', model.program)),
    '',
    '# Succeeds when option $2 takes a value, given command $1 (empty before the command).',
    `${p}_value_option() {`,
    '  case "$1 $2" in',
    ...(patterns.length > 0 ? [`    ${patterns.join('|')}) return 0 ;;`] : []),
    '  esac',
    '  return 1',
    '}',
    '',
    '# Sets cmd_options, cmd_subcommands and cmd_projects (none|first|all) for command $1.',
    `${p}_command() {`,
    "  cmd_options='' cmd_subcommands='' cmd_projects=none",
    '  case $1 in',
    ...commandCases,
    '    *) return 1 ;;',
    '  esac',
    '  return 0',
    '}',
    '',
    '# Removes one level of shell quoting from $1 into REPLY, without evaluating anything.',
    `${p}_dequote() {`,
    "  local word=$1 out='' c i=0",
    '  case $word in',
    "    \\'*\\') REPLY=${word:1:${#word}-2}; return 0 ;;",
    "    \\'*) REPLY=${word:1}; return 0 ;;",
    '    \\"*\\") word=${word:1:${#word}-2} ;;',
    '    \\"*) word=${word:1} ;;',
    '  esac',
    '  while (( i < ${#word} )); do',
    '    c=${word:i:1}',
    '    if [[ $c == \\\\ ]]; then i=$((i + 1)); c=${word:i:1}; fi',
    '    out+=$c',
    '    i=$((i + 1))',
    '  done',
    '  REPLY=$out',
    '}',
    '',
    "# Appends the words of $2 starting with $1 to COMPREPLY. Only for the CLI's own words:",
    '# compgen -W expands its word list, so it must never see project ids.',
    `${p}_add_words() {`,
    '  local word',
    '  while IFS= read -r word; do COMPREPLY+=("$word"); done < <(compgen -W "$2" -- "$1")',
    '}',
    '',
    '# Appends the project ids starting with $1 (store $2 if not empty), each quoted with %q.',
    `${p}_add_projects() {`,
    '  local prefix=$1 id quoted',
    '  while IFS= read -r id || [[ -n $id ]]; do',
    '    [[ -n $id && $id == "$prefix"* ]] || continue',
    "    printf -v quoted '%q' \"$id\"",
    '    COMPREPLY+=("$quoted")',
    '  done < <(',
    `    if [[ -n $2 ]]; then export ${DB_ENV}=$2; fi`,
    `    command ${sq(model.program)} ${COMPLETE_PROJECTS_ARGS.join(' ')} 2>/dev/null`,
    '  )',
    '}',
    '',
    `${fn}() {`,
    "  local cur=${COMP_WORDS[COMP_CWORD]-} word cmd='' sub='' db='' value_of=''",
    "  local cmd_options='' cmd_subcommands='' cmd_projects=none known=0",
    '  local i=1 j positional=0 ended=0',
    '  COMPREPLY=()',
    '  while (( i < COMP_CWORD )); do',
    '    word=${COMP_WORDS[i]}',
    '    if (( ended == 0 )) && [[ $word == -?* ]]; then',
    '      if [[ $word == -- ]]; then',
    '        ended=1',
    '      elif [[ $word == --*=* ]]; then',
    `        if [[ \${word%%=*} == ${DB_OPTION} ]]; then ${p}_dequote "\${word#*=}"; db=$REPLY; fi`,
    `      elif ${p}_value_option "$cmd" "$word"; then`,
    '        j=$((i + 1))',
    '        # With "=" in COMP_WORDBREAKS (the default), --opt=value arrives as --opt, =, value.',
    '        if [[ ${COMP_WORDS[j]-} == = ]]; then',
    "          if (( j == COMP_CWORD )); then value_of=$word; cur=''; break; fi",
    '          j=$((j + 1))',
    '        fi',
    '        if (( j >= COMP_CWORD )); then value_of=$word; break; fi',
    `        if [[ $word == ${DB_OPTION} ]]; then ${p}_dequote "\${COMP_WORDS[j]}"; db=$REPLY; fi`,
    '        i=$j',
    '      fi',
    '    elif [[ -z $cmd ]]; then',
    '      cmd=$word',
    `      ${p}_command "$cmd" && known=1`,
    '    elif [[ -n $cmd_subcommands && -z $sub ]]; then',
    '      sub=$word',
    '    else',
    '      positional=$((positional + 1))',
    '    fi',
    '    i=$((i + 1))',
    '  done',
    // The user's shell expands ~ when the command runs; the completion has to do it itself.
    `  if [[ $db == '~/'* ]]; then db=$HOME/\${db:2}; fi`,
    '',
    '  if [[ -n $value_of ]]; then',
    `    if [[ $value_of == ${DB_OPTION} ]]; then`,
    '      compopt -o filenames 2>/dev/null',
    '      while IFS= read -r word; do COMPREPLY+=("$word"); done < <(compgen -f -- "$cur")',
    '    fi',
    '    return 0',
    '  fi',
    '  if (( ended == 0 )) && [[ $cur == -* ]]; then',
    `    ${p}_add_words "$cur" ${sq(words(model.globals).join(' '))}" $cmd_options"`,
    '    return 0',
    '  fi',
    '  if [[ -z $cmd ]]; then',
    `    ${p}_add_words "$cur" ${sq(model.commands.map((c) => c.name).join(' '))}`,
    '    return 0',
    '  fi',
    '  (( known )) || return 0',
    '  if [[ -n $cmd_subcommands && -z $sub ]]; then',
    `    ${p}_add_words "$cur" "$cmd_subcommands"`,
    '    return 0',
    '  fi',
    '  if [[ $cmd_projects == all ]] || [[ $cmd_projects == first && $positional == 0 ]]; then',
    `    ${p}_dequote "$cur"`,
    `    ${p}_add_projects "$REPLY" "$db"`,
    '  fi',
    '  return 0',
    '}',
    '',
    `complete -F ${fn} ${sq(model.program)}`,
  ];
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// zsh

function zshScript(model: Model): string {
  const p = `__${model.ident}`;
  const fn = `${p}_complete`;
  const patterns = valueOptionPatterns(model);
  const array = (items: readonly string[]) => `(${items.map(sq).join(' ')})`;
  const commandCases = model.commands.map((command) => {
    const parts = [`cmd_options=${array(words(command.options))}`];
    if (command.subcommands.length > 0) parts.push(`cmd_subcommands=${array(command.subcommands)}`);
    if (command.projects !== 'none') parts.push(`cmd_projects=${command.projects}`);
    return `    (${sq(command.name)}) ${parts.join('; ')} ;;`;
  });

  const lines = [
    `#compdef ${model.program}`,
    `# zsh completion for ${model.program}. Save it on $fpath as _${model.program}, before compinit runs:`,
    `#   ${model.program} completion zsh > ~/.zfunc/_${model.program}   # with fpath=(~/.zfunc $fpath) in ~/.zshrc`,
    `# or, after compinit:  source <(${model.program} completion zsh)`,
    ...HEADER_NOTE.map((line) => line.replace('PROGRAM', model.program)),
    '',
    '# Succeeds when option $2 takes a value, given command $1 (empty before the command).',
    `${p}_value_option() {`,
    '  case "$1 $2" in',
    ...(patterns.length > 0 ? [`    (${patterns.join('|')}) return 0 ;;`] : []),
    '  esac',
    '  return 1',
    '}',
    '',
    '# Sets cmd_options, cmd_subcommands and cmd_projects (none|first|all) for command $1.',
    `${p}_command() {`,
    '  cmd_options=() cmd_subcommands=() cmd_projects=none',
    '  case $1 in',
    ...commandCases,
    '    (*) return 1 ;;',
    '  esac',
    '  return 0',
    '}',
    '',
    `${fn}() {`,
    '  emulate -L zsh',
    "  local cur=${words[CURRENT]} word cmd='' sub='' db='' value_of='' cmd_projects=none",
    '  local -a cmd_options cmd_subcommands projects',
    '  integer i=2 positional=0 ended=0 known=0',
    '  while (( i < CURRENT )); do',
    '    word=${words[i]}',
    '    if (( ended == 0 )) && [[ $word == -?* ]]; then',
    '      if [[ $word == -- ]]; then',
    '        ended=1',
    '      elif [[ $word == --*=* ]]; then',
    `        if [[ \${word%%=*} == ${DB_OPTION} ]]; then db=\${word#*=}; db=\${(Q)db}; fi`,
    `      elif ${p}_value_option "$cmd" "$word"; then`,
    '        if (( i + 1 >= CURRENT )); then value_of=$word; break; fi',
    '        i+=1',
    `        if [[ $word == ${DB_OPTION} ]]; then db=\${(Q)words[i]}; fi`,
    '      fi',
    '    elif [[ -z $cmd ]]; then',
    '      cmd=$word',
    `      ${p}_command "$cmd" && known=1`,
    '    elif (( ${#cmd_subcommands} )) && [[ -z $sub ]]; then',
    '      sub=$word',
    '    else',
    '      positional+=1',
    '    fi',
    '    i+=1',
    '  done',
    `  if [[ $db == '~/'* ]]; then db=$HOME/\${db#'~/'}; fi`,
    // --opt=value typed as one word: complete the value part only.
    `  if [[ -z $value_of && $ended == 0 && $cur == --*=* ]] && ${p}_value_option "$cmd" "\${cur%%=*}"; then`,
    "    value_of=${cur%%=*}",
    "    compset -P '*='",
    '  fi',
    '',
    '  if [[ -n $value_of ]]; then',
    `    if [[ $value_of == ${DB_OPTION} ]]; then _files; else _message "value for $value_of"; fi`,
    '    return',
    '  fi',
    '  if (( ended == 0 )) && [[ $cur == -* ]]; then',
    `    compadd -- ${words(model.globals).map(sq).join(' ')} "\${cmd_options[@]}"`,
    '    return',
    '  fi',
    '  if [[ -z $cmd ]]; then',
    `    compadd -- ${model.commands.map((c) => sq(c.name)).join(' ')}`,
    '    return',
    '  fi',
    '  (( known )) || return 1',
    '  if (( ${#cmd_subcommands} )) && [[ -z $sub ]]; then',
    '    compadd -- "${cmd_subcommands[@]}"',
    '    return',
    '  fi',
    '  if [[ $cmd_projects == all ]] || [[ $cmd_projects == first && $positional == 0 ]]; then',
    '    # (f) splits the output into lines; the ids are never re-evaluated, and compadd quotes them on insertion.',
    '    if [[ -n $db ]]; then',
    `      projects=(\${(f)"$(${DB_ENV}=$db command ${sq(model.program)} ${COMPLETE_PROJECTS_ARGS.join(' ')} 2>/dev/null)"})`,
    '    else',
    `      projects=(\${(f)"$(command ${sq(model.program)} ${COMPLETE_PROJECTS_ARGS.join(' ')} 2>/dev/null)"})`,
    '    fi',
    '    compadd -- "${projects[@]}"',
    '    return',
    '  fi',
    '  return 1',
    '}',
    '',
    // Autoloaded from $fpath this file is the body of _<program>: complete now. Sourced, register.
    `if [[ \${funcstack[1]-} == ${sq(`_${model.program}`)} ]]; then`,
    `  ${fn} "$@"`,
    'else',
    `  compdef ${fn} ${sq(model.program)}`,
    'fi',
  ];
  return `${lines.join('\n')}\n`;
}
