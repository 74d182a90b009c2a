import { z } from 'zod';

/*
 * The text format of ~/.docker/config.json, apart from the credentials code so that zod loads
 * only when there is a config file to read: most pulls on a server have none. What the fields
 * mean (which source wins, how `auth` decodes) stays in src/credentials/.
 */

/** One `auths` entry as written; absent and null fields are left out. */
export interface DockerConfigAuthFields {
  readonly auth?: string;
  readonly username?: string;
  readonly password?: string;
  readonly identitytoken?: string;
}

/** The parts of config.json that decide credentials, in file order. */
export interface DockerConfigFile {
  readonly auths: ReadonlyArray<readonly [key: string, entry: DockerConfigAuthFields]>;
  readonly credHelpers: ReadonlyArray<readonly [key: string, helper: string]>;
  readonly credsStore: string | undefined;
}

/** Either the config, or what is wrong with the text, in words that never quote a value. */
export type DockerConfigReading = { readonly ok: true; readonly config: DockerConfigFile } | { readonly ok: false; readonly problem: string };

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
 * Reads config.json text. Like the CLI, an empty file is an empty config. Problems name the
 * offending key but never quote values: the file holds secrets.
 */
export function readDockerConfigText(text: string): DockerConfigReading {
  if (text.trim() === '') return { ok: true, config: { auths: [], credHelpers: [], credsStore: undefined } };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    // V8's message quotes the surrounding text, which may be a secret: only its position is used.
    return { ok: false, problem: `not valid JSON${jsonErrorLocation(text, error)}` };
  }
  if (!isRecord(raw)) return { ok: false, problem: 'the top level is not a JSON object' };
  const parsed = dockerConfigSchema.safeParse(raw);
  if (!parsed.success) {
    // zod's issues name the expected type, never the value found.
    const issue = parsed.error.issues[0];
    const expected = issue !== undefined && 'expected' in issue ? String(issue.expected) : '';
    const wanted = expected === 'string' ? 'a string' : expected === 'record' || expected === 'object' ? 'an object' : 'valid';
    return { ok: false, problem: `${describePath(issue?.path ?? [])} is not ${wanted}` };
  }

  const auths = Object.entries(parsed.data.auths ?? {}).map(([key, value]) => {
    const entry: { -readonly [K in keyof DockerConfigAuthFields]: DockerConfigAuthFields[K] } = {};
    for (const field of ['auth', 'username', 'password', 'identitytoken'] as const) {
      const fieldValue = value?.[field];
      if (fieldValue !== undefined && fieldValue !== null) entry[field] = fieldValue;
    }
    return [key, entry] as const;
  });
  return {
    ok: true,
    config: { auths, credHelpers: Object.entries(parsed.data.credHelpers ?? {}), credsStore: parsed.data.credsStore ?? undefined },
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
