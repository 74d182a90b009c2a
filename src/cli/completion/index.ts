import { bashScript } from './bash.js';
import { buildModel, type CompletionSpec } from './spec.js';
import { zshScript } from './zsh.js';

export { COMPLETE_PROJECTS_ARGS, completionSpecFromCommander, type CompletionSpec } from './spec.js';

export type CompletionShell = 'bash' | 'zsh';

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
