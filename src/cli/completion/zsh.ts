import { headerNote, projectsCommand, sq, valueOptionPatterns, words } from './shell-words.js';
import { DB_ENV, DB_OPTION, type Model } from './spec.js';

/**
 * The zsh script: a `#compdef` function (no bashcompinit) that completes when autoloaded from
 * $fpath and registers itself with compdef when sourced. Project ids go to compadd as arguments.
 */
export function zshScript(model: Model): string {
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
    ...headerNote(model),
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
    `      projects=(\${(f)"$(${DB_ENV}=$db ${projectsCommand(model)} 2>/dev/null)"})`,
    '    else',
    `      projects=(\${(f)"$(${projectsCommand(model)} 2>/dev/null)"})`,
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
