import type { ImageConfig } from '../domain/index.js';

/**
 * The image configuration from an inspect answer. Unlike the fields the lifecycle relies on
 * (answers.ts refuses those when malformed), configuration is only ever judged: an odd value is
 * coerced or dropped, never fatal, and what is left is judged like anything else. Every value
 * errs towards failing a check (an unreadable User reads as root), never towards passing one.
 */

/** More entries than any real image has; a hostile engine's million-entry list is cut here. */
const MAX_ENTRIES = 4096;

type Fields = Readonly<Record<string, unknown>>;

function fieldsOf(value: unknown): Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : {};
}

/** Strings as they are, numbers and booleans as text (a User of 1000); anything else is dropped. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * Docker sends a list or null; a bare string (older engines' shell form) is one entry. An odd item
 * is kept as a placeholder rather than dropped, so a list of junk never reads as the empty list.
 */
function list(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) return [];
  return value.slice(0, MAX_ENTRIES).map((item: unknown) => text(item) ?? placeholder(item));
}

/** No serialising: a hostile value may be nested deeper than the stack. */
function placeholder(item: unknown): string {
  if (item === null) return 'null';
  if (Array.isArray(item)) return '[…]';
  return typeof item === 'object' ? '{…}' : typeof item;
}

function labelsOf(value: unknown): Record<string, string> {
  // fromEntries defines own properties: a label named __proto__ stays a label.
  const entries = Object.entries(fieldsOf(value)).slice(0, MAX_ENTRIES);
  return Object.fromEntries(entries.flatMap(([key, label]) => {
    const value = text(label);
    return value === undefined ? [] : [[key, value]];
  }));
}

function nonEmpty(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

export function imageConfigOf(inspect: Fields): ImageConfig {
  const config = fieldsOf(inspect.Config);
  const size = inspect.Size;
  return {
    user: text(config.User) ?? '',
    entrypoint: list(config.Entrypoint),
    cmd: list(config.Cmd),
    // Env entries must be strings: a coerced number would be no KEY=value at all.
    env: Array.isArray(config.Env) ? config.Env.slice(0, MAX_ENTRIES).filter((entry): entry is string => typeof entry === 'string') : [],
    labels: labelsOf(config.Labels),
    sizeBytes: typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? size : null,
    os: nonEmpty(inspect.Os),
    architecture: nonEmpty(inspect.Architecture),
  };
}
