import type { z } from 'zod';
import { ContractFileError, type ContractFileIssue } from '../../errors.js';
import type { SourcePosition } from './model.js';
import { KNOWN_KEYS } from './schema.js';
import { formatField, type FieldPath } from './source-map.js';
import { closest } from './suggest.js';

/** Something wrong at a field, before it has a line: the parser and the resolver both find these. */
export interface Problem {
  readonly path: FieldPath;
  readonly message: string;
  readonly hint?: string;
  /** Point at the key rather than the value: an unknown key. */
  readonly atKey?: boolean;
}

/** Finds the line of a field: the parsed document's source map, or a parsed file's recorded positions. */
export interface Locator {
  value(path: FieldPath): SourcePosition;
  key(path: FieldPath): SourcePosition;
}

/** The error for these problems, in file order. */
export function contractFileError(file: string, problems: readonly Problem[], locate: Locator): ContractFileError {
  const issues = problems.map((problem): ContractFileIssue => {
    const { line, column } = problem.atKey === true ? locate.key(problem.path) : locate.value(problem.path);
    return { line, column, field: formatField(problem.path), message: problem.message, ...(problem.hint === undefined ? {} : { hint: problem.hint }) };
  });
  return issuesError(file, issues);
}

export function issuesError(file: string, issues: readonly ContractFileIssue[]): ContractFileError {
  const sorted = [...issues].sort((a, b) => a.line - b.line || a.column - b.column);
  const [first, ...rest] = sorted;
  if (first === undefined) throw new TypeError('a contract file error needs an issue');
  return new ContractFileError(file, [first, ...rest]);
}

/** A Locator over the positions a parsed file recorded; a file built in code has none (line 1). */
export function positionsLocator(positions: Readonly<Record<string, SourcePosition>> = {}): Locator {
  const value = (path: FieldPath): SourcePosition => {
    for (let length = path.length; length >= 0; length -= 1) {
      const position = positions[formatField(path.slice(0, length))];
      if (position !== undefined) return position;
    }
    return { line: 1, column: 1 };
  };
  return { value, key: value };
}

/**
 * zod's wording for the issues no schema message covers (a wrong type, a missing key, a value not
 * in a list), passed to safeParse; schema messages take precedence over it.
 */
export function genericMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${typeName(issue.expected)}, not ${describe(issue.input)}`;
    case 'invalid_value':
      return `must be ${alternatives(issue.values.map(show))}, not ${describe(issue.input)}`;
    case 'invalid_union': {
      // A discriminated union (the checks' kind) names its discriminator and the values it knows.
      if (!('discriminator' in issue) || typeof issue.discriminator !== 'string') return undefined;
      const kind = isRecord(issue.input) ? issue.input[issue.discriminator] : undefined;
      const options = Array.isArray(issue.options) ? issue.options.map(show) : [];
      return kind === undefined ? `is required: ${alternatives(options)}` : `must be ${alternatives(options)}, not ${describe(kind)}`;
    }
    default:
      return undefined;
  }
}

/** zod's issues as problems: an unknown key becomes one problem per key, at the key, with a suggestion. */
export function zodProblems(issues: readonly z.core.$ZodIssue[], data: unknown): Problem[] {
  return issues.flatMap((issue): Problem[] => {
    if (issue.code !== 'unrecognized_keys') return [{ path: issue.path, message: issue.message }];
    const known = knownKeysAt(issue.path, data);
    return issue.keys.map((key) => ({ path: [...issue.path, key], message: unknownKeyMessage(key, known, issue.path), atKey: true }));
  });
}

function unknownKeyMessage(key: string, known: readonly string[], where: FieldPath): string {
  const suggestion = closest(key, known);
  if (suggestion !== undefined) return `unknown key ${JSON.stringify(key)} (did you mean ${JSON.stringify(suggestion)}?)`;
  // A key that is right for another kind of check is a likelier mistake than a typo.
  if (where[0] === 'checks' && where.length === 2) {
    const kinds = Object.entries(KNOWN_KEYS.kinds).filter(([, keys]) => keys.includes(key)).map(([kind]) => `${kind} checks`);
    if (kinds.length > 0) return `unknown key ${JSON.stringify(key)} for this kind of check (it belongs to ${alternatives(kinds, 'and')})`;
  }
  return `unknown key ${JSON.stringify(key)}${known.length === 0 ? '' : ` (known keys: ${known.join(', ')})`}`;
}

function knownKeysAt(path: FieldPath, data: unknown): readonly string[] {
  if (path.length === 0) return KNOWN_KEYS.file;
  if (path.at(-1) === 'user') return KNOWN_KEYS.user;
  const kind = valueAt(data, [...path, 'kind']);
  return Object.entries(KNOWN_KEYS.kinds).find(([name]) => name === kind)?.[1] ?? [];
}

function valueAt(data: unknown, path: FieldPath): unknown {
  return path.reduce<unknown>((value, segment) => (isRecord(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[segment] : undefined), data);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

/** What was found instead, in YAML's terms. */
function describe(value: unknown): string {
  if (value === null) return 'empty (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  return `${typeof value === 'number' ? 'the number ' : ''}${String(value)}`;
}

/** A known value in a message: bare when that reads unambiguously (`hard or soft`), else JSON. */
function show(value: unknown): string {
  return typeof value === 'string' && /^[A-Za-z0-9][A-Za-z0-9 ._-]*$/.test(value) ? value : JSON.stringify(value) ?? String(value);
}

function alternatives(words: readonly string[], last = 'or'): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} ${last} ${words.at(-1) ?? ''}`;
}
