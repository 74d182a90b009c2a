import type { Check, CheckSeverity } from '../../domain/index.js';
import { CONTROL_CHARACTERS } from './text.js';

/*
 * The defaults a contract file may leave out. Resolution fills them all in, so the contract (and
 * its hash) is the same whether a file spells a default out or not.
 */

export const DEFAULT_SEVERITY: CheckSeverity = 'hard';

/** What a version check runs when the file gives no `run`. */
export function defaultVersionRun(tool: string): string {
  return `${tool} --version`;
}

/** A check with every field but its label resolved. */
export type UnlabeledCheck = OmitEach<Check, 'label'>;
// Omit over a union loses the kinds; distributing it keeps each one.
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Longer commands make unreadable FAIL lines: those checks go by their id. */
const MAX_COMMAND_LABEL = 60;

/** The label of a check whose file gives none. */
export function defaultLabel(check: UnlabeledCheck): string {
  switch (check.kind) {
    case 'version':
      return check.run === defaultVersionRun(check.tool) ? check.run : `${check.tool} version`;
    case 'command': {
      const run = check.run.trim();
      return run.length <= MAX_COMMAND_LABEL && !CONTROL_CHARACTERS.test(run) ? run : check.id;
    }
    case 'file':
      return `file ${check.path}`;
    case 'config':
      return `image config (${check.id})`;
  }
}
