import { Document, isMap, isScalar, isSeq, visit } from 'yaml';
import type { CheckEntry, ContractFile } from './model.js';
import { formatSize } from './size.js';

/** The order keys are written in: what a check is first, then how it is judged and reported. */
const TOP_KEYS = ['contract', 'name', 'extends', 'softFailures', 'drop', 'checks'] as const;
const CHECK_KEYS: Readonly<Record<CheckEntry['kind'], readonly string[]>> = {
  command: ['id', 'kind', 'run', 'exitCode', 'expectOutput', 'rejectOutput', 'severity', 'label'],
  version: ['id', 'kind', 'tool', 'run', 'pattern', 'range', 'severity', 'label'],
  file: ['id', 'kind', 'path', 'type', 'executable', 'mode', 'owner', 'severity', 'label'],
  config: ['id', 'kind', 'user', 'entrypoint', 'cmd', 'env', 'pathIncludes', 'labels', 'maxSize', 'os', 'architecture', 'severity', 'label'],
};
/** Maps that read well on one line when short (`user: {notRoot: true}`). */
const INLINE_MAPS = new Set(['user', 'env', 'labels']);
const INLINE_WIDTH = 60;

export interface RenderOptions {
  /** Written as `#` lines at the top of the file. */
  readonly comment?: string;
}

/**
 * The file as YAML in the documented style: keys in a fixed order, short lists and maps inline,
 * a blank line between checks, sizes in units. Parsing the text gives back the same contract.
 */
export function renderContractFile(file: ContractFile, options: RenderOptions = {}): string {
  const top: Record<string, unknown> = { ...file, drop: file.drop.length === 0 ? undefined : file.drop, checks: file.checks.map(plainCheck) };
  const document = new Document(ordered(top, TOP_KEYS));
  // yaml writes `#` before each line, and a lone `#` for a line that is one space.
  if (options.comment !== undefined) document.commentBefore = options.comment.split('\n').map((line) => ` ${line}`.trimEnd() || ' ').join('\n');

  visit(document, {
    Pair(_key, pair) {
      if (isScalar(pair.key) && pair.key.value === 'checks' && isSeq(pair.value)) pair.value.items.forEach((item, index) => isMap(item) && (item.spaceBefore = index > 0));
      if (isScalar(pair.key) && INLINE_MAPS.has(String(pair.key.value)) && isMap(pair.value) && pair.value.items.every((item) => isScalar(item.value))) {
        pair.value.flow = fits(pair.value.toJSON());
      }
    },
    Seq(_key, seq) {
      if (seq.items.every((item) => isScalar(item))) seq.flow = fits(seq.toJSON());
    },
  });
  // No folding: a shell command or a regex split over lines is hard to read and easy to break.
  return document.toString({ lineWidth: 0, singleQuote: true, flowCollectionPadding: false });
}

function plainCheck(entry: CheckEntry): Record<string, unknown> {
  const fields: Record<string, unknown> = { ...entry };
  if (entry.kind === 'config' && entry.maxSize !== undefined) fields.maxSize = formatSize(entry.maxSize);
  return ordered(fields, CHECK_KEYS[entry.kind]);
}

/** `fields` with `order` first and anything else after, as it came; undefined values left out. */
function ordered(fields: Record<string, unknown>, order: readonly string[]): Record<string, unknown> {
  const known = order.filter((key) => key in fields).map((key) => [key, fields[key]] as const);
  const rest = Object.entries(fields).filter(([key]) => !order.includes(key) && key !== 'origin');
  return Object.fromEntries([...known, ...rest].filter(([, value]) => value !== undefined));
}

function fits(value: unknown): boolean {
  return JSON.stringify(value).length <= INLINE_WIDTH;
}
