import type { ContainerCheck } from '../domain/index.js';
import type { FileFacts, Observation } from './observation.js';
import { MARKER, OUTPUT_LINE_PREFIX } from './script.js';

export interface ParsedSmokeOutput {
  /** One per check, in the checks' order. */
  readonly observations: readonly Observation[];
  /** Every check reported an end marker. */
  readonly complete: boolean;
}

// Only whole, unprefixed lines count as markers; the script prefixes every line that comes
// from the image, so these can only come from the script itself. Leading zeros are not
// produced by the script and are refused rather than guessed at.
const NUMBER = '(0|[1-9][0-9]*)';
const MARKER_LINE = new RegExp(
  `^${MARKER} ${NUMBER} (?:(begin|output|path|stat)|file (file|directory|other) ([01])|end ${NUMBER})$`,
);
const BARE_PREFIX = OUTPUT_LINE_PREFIX.trimEnd();
// What `stat -L -c '%a %u %U'` prints: octal mode without leading zeros, uid, user name; the
// first line that reads so counts (stat's own warnings may come first, merged from stderr).
const STAT_LINE = /^([0-7]{1,4}) (0|[1-9][0-9]{0,9}) (\S+)$/;
// coreutils and busybox both print this for a uid without a passwd entry.
const UNKNOWN_USER = 'UNKNOWN';

type Section = 'output' | 'path' | 'stat';

interface Block {
  readonly sections: Record<Section, string[] | null>;
  /** From the `file` marker: what the builtins found (null: no marker, nothing exists). */
  found: { type: FileFacts['type']; executable: boolean } | null;
  exitCode: number | null;
}

function fileFacts(block: Block): FileFacts | null {
  if (block.found === null) return null;
  const stat = block.sections.stat?.map((line) => STAT_LINE.exec(line)).find((match) => match !== null);
  if (!stat) return { ...block.found, mode: null, uid: null, user: null };
  const [, mode = '', uid = '', user = ''] = stat;
  return {
    type: block.found.type,
    // The mode answers "by its owner, group or others"; `[ -x ]` only for the container's user.
    executable: (Number.parseInt(mode, 8) & 0o111) !== 0,
    mode: mode.padStart(4, '0'),
    uid: Number(uid),
    user: user === UNKNOWN_USER ? null : user,
  };
}

function observe(check: ContainerCheck, block: Block | undefined): Observation {
  const exitCode = block?.exitCode ?? null;
  const output = block?.sections.output?.join('\n') ?? '';
  switch (check.kind) {
    case 'command':
      return { exitCode, output };
    case 'version': {
      // A path can itself hold newlines: the script printed each of its lines prefixed.
      const path = block?.sections.path;
      return { exitCode, output, path: path && path.length > 0 ? path.join('\n') : null };
    }
    case 'file':
      return { exitCode, output, file: block ? fileFacts(block) : null };
  }
}

/**
 * Maps smoke-script output back to the checks by index. Lines outside a begin…end block (FAIL
 * lines, stderr noise, engine chatter) are ignored, as are markers for any other index than
 * the open block's; if an index is reported twice the last block wins. A block that began but
 * never ended keeps what it printed, with exitCode null.
 */
export function parseSmokeOutput(checks: readonly ContainerCheck[], output: string): ParsedSmokeOutput {
  const blocks = new Map<number, Block>();
  let open: { index: number; block: Block; lines: string[] | null } | null = null;

  // \r?\n: a container run with a TTY turns \n into \r\n.
  for (const line of output.split(/\r?\n/)) {
    const marker = MARKER_LINE.exec(line);
    if (marker) {
      const [, indexText, section, type, x, exit] = marker;
      const index = Number(indexText);
      if (section === 'begin') {
        // A begin always starts afresh; an unterminated earlier block stays unreported.
        const block: Block = { sections: { output: [], path: null, stat: null }, found: null, exitCode: null };
        open = index < checks.length ? { index, block, lines: block.sections.output } : null;
      } else if (open !== null && open.index === index) {
        if (exit !== undefined) {
          open.block.exitCode = Number(exit);
          blocks.set(index, open.block);
          open = null;
        } else if (section === undefined) {
          open.block.found = { type: type as FileFacts['type'], executable: x === '1' };
          open.lines = null;
        } else {
          // Each section starts afresh too, so no line is ever counted twice.
          open.lines = open.block.sections[section as Section] = [];
        }
      }
      continue;
    }
    if (open === null || open.lines === null) continue;
    if (line.startsWith(OUTPUT_LINE_PREFIX)) open.lines.push(line.slice(OUTPUT_LINE_PREFIX.length));
    // Some log pipelines strip trailing spaces, turning an empty kept line "| " into "|".
    else if (line === BARE_PREFIX) open.lines.push('');
  }
  // A block that began but never ended still shows what little it printed.
  if (open !== null && !blocks.has(open.index)) blocks.set(open.index, open.block);

  const observations = checks.map((check, index) => observe(check, blocks.get(index)));
  return { observations, complete: observations.every((o) => o.exitCode !== null) };
}
