import { DockerFailure } from '../errors.js';
import type { EngineVersion, ImageFacts, OurContainer } from '../ports/docker.js';
import { excerpt } from './excerpt.js';
import { imageConfigOf } from './image-config.js';

/**
 * The shape of every engine answer, checked where it enters: a broken or hostile engine must end in
 * one precise failure, never in a TypeError deep inside the lifecycle or a field read as undefined.
 * Only the fields we use are checked; Docker adds fields freely.
 */

type Fields = Readonly<Record<string, unknown>>;

/** `answer` names what was answered: "/version answer", "image inspect answer for alpine:3". */
function malformed(answer: string, problem: string): DockerFailure {
  return new DockerFailure('other', `the engine's ${answer} is not Docker's (${problem})`);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** docker-modem hands back the raw body (a Buffer) when it was not JSON. */
function object(body: unknown, answer: string): Fields {
  if (Buffer.isBuffer(body)) return fail(answer, body.length === 0 ? 'an empty body' : `not JSON: ${excerpt(body.toString('utf8'))}`);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail(answer, `${typeName(body)}, not a JSON object`);
  return body as Fields;
}

function fail(answer: string, problem: string): never {
  throw malformed(answer, problem);
}

function string(fields: Fields, key: string, answer: string): string {
  const value = fields[key];
  if (value === undefined) return fail(answer, `missing ${key}`);
  if (typeof value !== 'string') return fail(answer, `${key} is ${typeName(value)}, not a string`);
  return value;
}

/** A string the engine may leave out (or send as null). */
function optionalString(fields: Fields, key: string, answer: string): string | null {
  const value = fields[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return fail(answer, `${key} is ${typeName(value)}, not a string`);
  return value;
}

function stringList(value: unknown, key: string, answer: string): readonly string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) return fail(answer, `${key} is ${typeName(value)}, not a list of strings`);
  return value as string[];
}

function labels(value: unknown, answer: string): Readonly<Record<string, string>> {
  if (value === undefined || value === null) return {};
  const fields = typeof value === 'object' && !Array.isArray(value) ? (value as Fields) : fail(answer, `Labels is ${typeName(value)}, not an object`);
  for (const [key, label] of Object.entries(fields)) if (typeof label !== 'string') fail(answer, `label ${key} is ${typeName(label)}, not a string`);
  return fields as Record<string, string>;
}

export function versionAnswer(body: unknown): EngineVersion {
  const answer = '/version answer';
  const fields = object(body, answer);
  return {
    version: string(fields, 'Version', answer),
    apiVersion: string(fields, 'ApiVersion', answer),
    os: string(fields, 'Os', answer),
    architecture: string(fields, 'Arch', answer),
  };
}

export function imageAnswer(body: unknown, reference: string): ImageFacts {
  const answer = `image inspect answer for ${reference}`;
  const fields = object(body, answer);
  const id = string(fields, 'Id', answer);
  if (id === '') fail(answer, 'Id is empty');
  // An image built or imported locally has no registry digest: Docker says [] (older engines null).
  if (!('RepoDigests' in fields)) fail(answer, 'missing RepoDigests');
  const repoDigests = fields.RepoDigests === null ? [] : stringList(fields.RepoDigests, 'RepoDigests', answer);
  return {
    id,
    repoDigests,
    os: optionalString(fields, 'Os', answer),
    architecture: optionalString(fields, 'Architecture', answer),
    variant: optionalString(fields, 'Variant', answer),
    config: imageConfigOf(fields),
  };
}

export function containerListAnswer(body: unknown): readonly OurContainer[] {
  const answer = 'container list answer';
  if (!Array.isArray(body)) return fail(answer, Buffer.isBuffer(body) ? `not JSON: ${excerpt(body.toString('utf8'))}` : `${typeName(body)}, not a list`);
  return body.map((entry: unknown, index) => {
    const item = `${answer} (entry ${index + 1})`;
    const fields = object(entry, item);
    const created = fields.Created;
    if (typeof created !== 'number' || !Number.isFinite(created)) return fail(item, `Created is ${typeName(created)}, not a number`);
    return {
      id: string(fields, 'Id', item),
      labels: labels(fields.Labels, item),
      createdAt: new Date(created * 1000),
      state: string(fields, 'State', item),
    };
  });
}

/** POST /containers/create: the new container's ID. */
export function createdAnswer(body: unknown): string {
  const answer = 'container create answer';
  const id = string(object(body, answer), 'Id', answer);
  // The ID goes into every later request's path: nothing but an ID may get there.
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(id)) fail(answer, `Id ${excerpt(id)} is not a container ID`);
  return id;
}

/** POST /containers/{id}/wait: the exit status of the container's main process. */
export function waitAnswer(body: unknown): number {
  const answer = 'container wait answer';
  const status = object(body, answer).StatusCode;
  if (typeof status !== 'number' || !Number.isInteger(status)) return fail(answer, status === undefined ? 'missing StatusCode' : `StatusCode is ${typeName(status)}, not an integer`);
  return status;
}

/** One line of a pull's progress stream, as far as we use it. */
export type PullEvent =
  | { readonly type: 'error'; readonly message: string }
  | { readonly type: 'progress'; readonly status: string; readonly layer?: string; readonly current?: number; readonly total?: number };

export function pullEvent(line: string): PullEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new DockerFailure('other', `the engine sent a pull progress line that is not JSON: ${excerpt(line)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DockerFailure('other', `the engine sent a pull progress line that is not a JSON object: ${excerpt(line)}`);
  }
  const fields = parsed as Fields;
  const answer = 'pull progress line';
  if (fields.error !== undefined || fields.errorDetail !== undefined) {
    // errorDetail.message is the precise one; `error` is its older duplicate.
    const detail = typeof fields.errorDetail === 'object' && fields.errorDetail !== null ? (fields.errorDetail as Fields).message : undefined;
    const message = typeof detail === 'string' && detail.trim() !== '' ? detail : typeof fields.error === 'string' ? fields.error : '';
    return { type: 'error', message };
  }
  const status = optionalString(fields, 'status', answer) ?? '';
  const layer = optionalString(fields, 'id', answer);
  const detail = fields.progressDetail;
  const progress = typeof detail === 'object' && detail !== null && !Array.isArray(detail) ? (detail as Fields) : {};
  const number = (key: string): number | undefined => {
    const value = progress[key];
    if (value === undefined) return undefined;
    return typeof value === 'number' && Number.isFinite(value) ? value : fail(answer, `progressDetail.${key} is ${typeName(value)}, not a number`);
  };
  const current = number('current');
  const total = number('total');
  return {
    type: 'progress',
    status,
    ...(layer === null ? {} : { layer }),
    ...(current === undefined ? {} : { current }),
    ...(total === undefined ? {} : { total }),
  };
}
