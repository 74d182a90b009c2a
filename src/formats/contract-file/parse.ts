import { basename, extname } from 'node:path';
import { LineCounter, Parser, parseDocument, type CST, type YAMLError } from 'yaml';
import { contractFileError, genericMessage, issuesError, zodProblems, type Problem } from './errors.js';
import { EXTENDABLE, KNOWN_VERSIONS, type CheckEntry, type ContractFile, type SourcePosition } from './model.js';
import { contractFileSchema } from './schema.js';
import { SourceMap, WHOLE_FILE, type FieldPath } from './source-map.js';
import { isOneLine } from './text.js';

/** A contract is a page of YAML; anything bigger is a mistake or an attack. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Far more than the format's own four levels, far less than what overflows the YAML composer's stack. */
const MAX_DEPTH = 32;
/** yaml's guard against alias bombs: how many nodes aliases may expand to in all. */
const MAX_ALIAS_COUNT = 100;

/**
 * Parses and validates a contract file (YAML, or JSON, which is YAML). Every error is a
 * ContractFileError naming the file, line, column and field; all problems found at one stage
 * are reported together.
 */
export function parseContractFile(text: string, fileName: string): ContractFile {
  // Problems with the file as a whole, found before (or instead of) its fields.
  const wholeFile = (at: SourcePosition, message: string) => issuesError(fileName, [{ ...at, field: WHOLE_FILE, message }]);
  const start = { line: 1, column: 1 };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_FILE_BYTES) throw wholeFile(start, `is ${bytes} bytes; a contract file may be at most 1 MiB`);

  const deep = tooDeep(text);
  if (deep !== undefined) throw wholeFile(deep, `nests deeper than ${MAX_DEPTH} levels`);

  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const source = new SourceMap(document, lines);
  // Warnings too (an unknown tag, say): a contract has no use for YAML's extensions.
  const yamlErrors = [...document.errors, ...document.warnings];
  if (yamlErrors.length > 0) {
    throw issuesError(
      fileName,
      yamlErrors.map((error) => ({ ...source.position(error.pos[0]), field: source.fieldAt(error.pos[0]), message: yamlMessage(error) })),
    );
  }

  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    throw wholeFile(start, 'uses YAML aliases that expand too far (an alias bomb?)');
  }
  const problem = (path: FieldPath, message: string, hint?: string): Problem => ({ path, message, ...(hint === undefined ? {} : { hint }) });
  const stop = (...problems: Problem[]) => contractFileError(fileName, problems, source);

  if (data === null || data === undefined) throw stop(problem([], 'is empty', 'a contract file starts with `contract: 1`'));
  if (typeof data !== 'object' || Array.isArray(data)) throw stop(problem([], 'must be a mapping (contract:, checks:, …)'));
  // The version decides what every other key means: nothing else is read until it is known.
  const version = (data as Record<string, unknown>).contract;
  if (version === undefined) throw stop(problem(['contract'], 'is required: the format version', 'start the file with `contract: 1`'));
  const known = KNOWN_VERSIONS.join(', ');
  if (typeof version !== 'number') throw stop(problem(['contract'], `must be the format version, a number (known versions: ${known}), not ${JSON.stringify(version)}`));
  if (!KNOWN_VERSIONS.includes(version)) {
    const newer = version > Math.max(...KNOWN_VERSIONS) ? 'the file is for a newer cascade-image' : undefined;
    throw stop(problem(['contract'], `format version ${version} is not known (known versions: ${known})`, newer));
  }

  const parsed = contractFileSchema.safeParse(data, { error: genericMessage });
  if (!parsed.success) throw stop(...zodProblems(parsed.error.issues, data));
  const { name, extends: base, softFailures, drop = [], checks = [] } = parsed.data;
  const entries: readonly CheckEntry[] = checks;

  const problems = crossFieldProblems(base !== undefined, drop, entries);
  if (problems.length > 0) throw stop(...problems);
  return {
    contract: 1,
    name: name ?? nameFromFile(fileName),
    ...(base === undefined ? {} : { extends: base }),
    ...(softFailures === undefined ? {} : { softFailures }),
    drop,
    checks: entries,
    origin: { file: fileName, positions: source.positions() },
  };
}

/** What no single field's schema can see: duplicates, and drops that cannot apply. */
function crossFieldProblems(extended: boolean, drop: readonly string[], checks: readonly CheckEntry[]): Problem[] {
  const problems: Problem[] = [];
  const dropped = new Map<string, number>();
  if (!extended && drop.length > 0) problems.push({ path: ['drop'], message: `has nothing to drop from without \`extends: ${EXTENDABLE}\`` });
  else {
    drop.forEach((id, index) => {
      const first = dropped.get(id);
      if (first === undefined) dropped.set(id, index);
      else problems.push({ path: ['drop', index], message: `${JSON.stringify(id)} is listed twice (also drop[${first}])` });
    });
  }
  const seen = new Map<string, number>();
  checks.forEach(({ id }, index) => {
    const first = seen.get(id);
    if (first !== undefined) problems.push({ path: ['checks', index, 'id'], message: `${JSON.stringify(id)} is used twice (also checks[${first}])` });
    else seen.set(id, index);
    const droppedAt = dropped.get(id);
    if (droppedAt !== undefined) {
      problems.push({
        path: ['checks', index, 'id'],
        message: `${JSON.stringify(id)} is also dropped (drop[${droppedAt}])`,
        hint: 'a check with the id of an extended check replaces it; take the id out of drop',
      });
    }
  });
  if (!extended && checks.length === 0) problems.push({ path: ['checks'], message: `has no checks: a contract needs at least one, or \`extends: ${EXTENDABLE}\`` });
  return problems;
}

/** `payments-worker.yaml` → `payments-worker`; a name no label could carry falls back to `contract`. */
function nameFromFile(fileName: string): string {
  const name = basename(fileName, extname(fileName));
  return isOneLine(name) ? name : 'contract';
}

function yamlMessage(error: YAMLError): string {
  if (error.code === 'DUPLICATE_KEY') return 'duplicate key: each key may appear once in a mapping';
  if (error.code === 'MULTIPLE_DOCS') return 'holds more than one YAML document (a second `---`)';
  // The message's first line; later lines (when there are any) repeat the source.
  return `YAML: ${error.message.split('\n')[0] ?? error.message}`;
}

/**
 * Where the file first nests deeper than MAX_DEPTH, from yaml's CST (iterative, no recursion).
 * The composer recurses per level; overflowing its stack once leaves V8 unable to compile
 * regular expressions, which brings the whole process down on the next parse.
 */
function tooDeep(text: string): SourcePosition | undefined {
  const lines = new LineCounter();
  const pending: Array<readonly [CST.Token | null | undefined, number]> = Array.from(new Parser(lines.addNewLine).parse(text), (token) => [token, 0] as const);
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [token, depth] = next;
    if (token === null || token === undefined) continue;
    if (depth > MAX_DEPTH) {
      const { line, col } = lines.linePos(token.offset);
      return { line, column: col };
    }
    if (token.type === 'document') pending.push([token.value, depth]);
    else if ('items' in token) for (const item of token.items) pending.push(['key' in item ? item.key : null, depth + 1], [item.value, depth + 1]);
  }
  return undefined;
}
