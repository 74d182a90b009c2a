import { z } from 'zod';
import { isValidRange } from '../../checks/semver-range.js';
import { checkBytes, parseSize } from './size.js';
import { CONTROL_CHARACTERS as CONTROL } from './text.js';

/*
 * The shape of a version 1 contract file. Messages here say what is wrong with a value; the
 * generic ones (wrong type, missing, not one of) come from errors.ts, which also adds the file,
 * line and field.
 */

const ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
// Single-quoted into a shell later; a plain command name keeps that quoting trivially safe.
const TOOL = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
// A user or group name as useradd and Docker accept them, optionally `user:group`.
const ACCOUNT = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?(:[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?)?$/;
const PLATFORM = /^[a-z0-9][a-z0-9._-]*$/;

/** A string that `problem` accepts (undefined) or says what is wrong with. */
function text(problem: (value: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const message = problem(value);
    if (message !== undefined) ctx.addIssue({ code: 'custom', message });
  });
}

const quoted = (value: string) => JSON.stringify(value);

function oneLine(value: string): string | undefined {
  if (value.trim() === '') return 'must not be empty';
  return CONTROL.test(value) ? 'must be one line without control characters' : undefined;
}

function regexProblem(source: string): string | undefined {
  if (source === '') return 'must not be empty';
  try {
    new RegExp(source);
    return undefined;
  } catch (error) {
    return `${quoted(source)} is not a JavaScript regular expression (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** How many capture groups a (valid) regex has: `x|` matches the empty string, with every group unset. */
function captureGroups(source: string): number {
  return (new RegExp(`${source}|`).exec('')?.length ?? 1) - 1;
}

const id = text((value) => (ID.test(value) ? undefined : `${quoted(value)} is not an id: 1 to 64 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit`));
const label = text(oneLine);
const regex = text(regexProblem);
// A uid written unquoted is a YAML number; it means the same as the quoted one.
const account = z.preprocess(
  (value) => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : value),
  text((value) => (ACCOUNT.test(value) ? undefined : `${quoted(value)} is not a user name or numeric uid`)),
);
const platform = text((value) => (PLATFORM.test(value) ? undefined : `${quoted(value)} is not a platform name like linux or amd64`));
// Docker's maps: a value must match exactly, null means present with any value.
const stringMap = (what: string) =>
  z
    .record(
      z.string(),
      z
        .string({
          error: (issue) => (typeof issue.input === 'number' || typeof issue.input === 'boolean' ? 'must be text or null (quote numbers: unquoted, 1.10 is the number 1.1)' : undefined),
        })
        .nullable(),
    )
    .superRefine((map, ctx) => {
      for (const key of Object.keys(map)) {
        if (key === '' || CONTROL.test(key) || (what === 'variable' && key.includes('='))) ctx.addIssue({ code: 'custom', message: `${quoted(key)} is not a ${what} name`, path: [key] });
      }
    });

const common = { id, label: label.optional(), severity: z.enum(['hard', 'soft']).optional() };

const commandCheck = z.strictObject({
  ...common,
  kind: z.literal('command'),
  run: text((value) => (value.trim() === '' ? 'must not be empty' : value.includes('\0') ? 'must not contain a NUL character' : undefined)),
  exitCode: z.number().superRefine((value, ctx) => {
    if (!Number.isInteger(value) || value < 0 || value > 255) ctx.addIssue({ code: 'custom', message: 'must be a whole number from 0 to 255' });
  }).optional(),
  expectOutput: z.array(regex).optional(),
  rejectOutput: z.array(regex).optional(),
});

const versionCheck = z.strictObject({
  ...common,
  kind: z.literal('version'),
  tool: text((value) => (TOOL.test(value) ? undefined : `${quoted(value)} is not a command name (letters, digits, ".", "_", "+" or "-")`)),
  run: commandCheck.shape.run.optional(),
  pattern: text((value) => regexProblem(value) ?? (captureGroups(value) === 0 ? 'needs a capture group: the first one is the version' : undefined)).optional(),
  range: text((value) => oneLine(value) ?? (isValidRange(value) ? undefined : `${quoted(value)} is not a semver range (like ">=20 <23" or "^2.40")`)).optional(),
});

const fileCheck = z.strictObject({
  ...common,
  kind: z.literal('file'),
  path: text((value) => (!value.startsWith('/') ? 'must be an absolute path' : CONTROL.test(value) ? 'must not contain control characters' : undefined)),
  type: z.enum(['file', 'directory', 'any']).optional(),
  executable: z.boolean().optional(),
  mode: z
    .string({ error: (issue) => (typeof issue.input === 'number' ? 'must be quoted ("0755"): unquoted, 0755 is the number 755' : undefined) })
    .regex(/^[0-7]{3,4}$/, { error: (issue) => `${quoted(String(issue.input))} is not 3 or 4 octal digits like "0755"` })
    .transform((mode) => mode.padStart(4, '0'))
    .optional(),
  owner: account.optional(),
});

const EXPECTATIONS = ['user', 'entrypoint', 'cmd', 'env', 'pathIncludes', 'labels', 'maxSize', 'os', 'architecture'] as const;

const userSchema = z.strictObject({ notRoot: z.literal(true).optional(), is: account.optional() });

const configCheck = z
  .strictObject({
    ...common,
    kind: z.literal('config'),
    user: userSchema
      .superRefine((user, ctx) => {
        if ((user.notRoot === undefined) === (user.is === undefined)) ctx.addIssue({ code: 'custom', message: 'must be either { notRoot: true } or { is: <user> }' });
      })
      .transform((user) => (user.is === undefined ? { notRoot: true as const } : { is: user.is }))
      .optional(),
    entrypoint: z.array(z.string()).optional(),
    cmd: z.array(z.string()).optional(),
    env: stringMap('variable').optional(),
    pathIncludes: z.array(text((value) => (value === '' || value.includes(':') || CONTROL.test(value) ? `${quoted(value)} is not a directory that can be on PATH` : undefined))).optional(),
    labels: stringMap('label').optional(),
    maxSize: z
      .union([z.number(), z.string()], { error: 'must be a number of bytes or a size like "2GiB"' })
      .transform((value, ctx) => {
        const size = typeof value === 'number' ? checkBytes(value) : parseSize(value);
        if ('bytes' in size) return size.bytes;
        ctx.addIssue({ code: 'custom', message: size.problem });
        return z.NEVER;
      })
      .optional(),
    os: platform.optional(),
    architecture: platform.optional(),
  })
  .superRefine((check, ctx) => {
    if (EXPECTATIONS.every((key) => check[key] === undefined)) ctx.addIssue({ code: 'custom', message: `expects nothing: give at least one of ${EXPECTATIONS.join(', ')}` });
  });

const checkSchema = z.discriminatedUnion('kind', [commandCheck, versionCheck, fileCheck, configCheck]);

export const contractFileSchema = z.strictObject({
  contract: z.literal(1),
  name: label.optional(),
  extends: z.literal('worker').optional(),
  softFailures: z.enum(['fail', 'warn']).optional(),
  drop: z.array(id).optional(),
  checks: z.array(checkSchema).optional(),
});

/** The keys each object in the file may have: for "did you mean" and "belongs to" messages. */
export const KNOWN_KEYS = {
  file: Object.keys(contractFileSchema.shape),
  user: Object.keys(userSchema.shape),
  kinds: {
    command: Object.keys(commandCheck.shape),
    version: Object.keys(versionCheck.shape),
    file: Object.keys(fileCheck.shape),
    config: Object.keys(configCheck.shape),
  },
} as const;
