import { z } from 'zod';
import { EMPTY_CONFIG, type AuthEntry, type DockerConfig } from './docker-config.js';
import { CredentialsUnavailableError } from './errors.js';

/*
 * Parsing config.json, apart from the rest of the credentials code so that zod loads only when
 * there is a config file to read: most pulls on a server have none.
 */

// The parts of config.json that decide credentials. Everything else (proxies, aliases…) passes
// through unread; null is what Go would have decoded as "absent".
const authEntrySchema = z
  .object({
    auth: z.string().nullish(),
    username: z.string().nullish(),
    password: z.string().nullish(),
    identitytoken: z.string().nullish(),
  })
  .nullable();
const dockerConfigSchema = z.object({
  auths: z.record(z.string(), authEntrySchema).nullish(),
  credHelpers: z.record(z.string(), z.string()).nullish(),
  credsStore: z.string().nullish(),
});

/**
 * Parses config.json text. Like the CLI, an empty file is an empty config. Errors name the
 * file and the offending key but never quote values: the file holds secrets.
 */
export function parseDockerConfig(text: string, path: string): DockerConfig {
  if (text.trim() === '') return EMPTY_CONFIG;
  const invalid = (what: string) =>
    new CredentialsUnavailableError(`docker config ${path} is malformed: ${what}`, {
      hint: `fix or remove ${path} (docker login rewrites it)`,
    });

  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    // Not kept as the cause: V8's message quotes the surrounding text, which may be a secret.
    throw invalid(`not valid JSON${jsonErrorLocation(text, error)}`);
  }
  if (!isRecord(raw)) throw invalid('the top level is not a JSON object');
  const parsed = dockerConfigSchema.safeParse(raw);
  if (!parsed.success) {
    // zod's messages name the expected type, never the value found.
    const issue = parsed.error.issues[0];
    const expected = issue !== undefined && 'expected' in issue ? String(issue.expected) : '';
    const wanted = expected === 'string' ? 'a string' : expected === 'record' || expected === 'object' ? 'an object' : 'valid';
    throw invalid(`${describePath(issue?.path ?? [])} is not ${wanted}`);
  }

  const auths: Array<readonly [string, AuthEntry]> = Object.entries(parsed.data.auths ?? {}).map(([key, value]) => {
    const entry: { -readonly [K in keyof AuthEntry]: AuthEntry[K] } = {};
    for (const field of ['auth', 'username', 'password', 'identitytoken'] as const) {
      const fieldValue = value?.[field];
      if (fieldValue !== undefined && fieldValue !== null) entry[field] = fieldValue;
    }
    return [key, entry] as const;
  });
  return {
    auths,
    credHelpers: new Map(Object.entries(parsed.data.credHelpers ?? {})),
    credsStore: parsed.data.credsStore ?? undefined,
  };
}

/** `"credsStore"`, `auths["host"]`, `auths["host"].auth` from a zod issue path. */
function describePath(path: readonly PropertyKey[]): string {
  const [top, key, field] = path.map(String);
  if (top === undefined) return 'the config';
  if (key === undefined) return JSON.stringify(top);
  return `${top}[${JSON.stringify(key)}]${field === undefined ? '' : `.${field}`}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** " (line L, column C)" when V8 reported a position; the message itself is never shown. */
function jsonErrorLocation(text: string, error: unknown): string {
  const match = error instanceof Error ? /position (\d+)/.exec(error.message) : null;
  if (match === null) return '';
  const position = Number(match[1]);
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return ` (line ${line}, column ${column})`;
}
