import coerce from 'semver/functions/coerce.js';
import satisfies from 'semver/functions/satisfies.js';
import validRange from 'semver/ranges/valid.js';
import type { Check, CheckResult, CommandCheck, ContainerCheck, FileCheck, ImageConfig, VersionCheck } from '../domain/index.js';
import { judgeConfigCheck } from './config-checks.js';
import { clip, meaningfulLine, oneLine } from './describe.js';
import { checkResult } from './result.js';
import type { FileFacts, Observation } from './observation.js';

/**
 * The version a tool prints, when the check gives no pattern: the first dotted number with at least
 * two parts (`1.2`, `2.39.2`, `10.2.1-beta.3`), with a leading `v` kept as printed (`v20.11.1`) but
 * not one ending a word (`dev1.2` reads `1.2`); glued prefixes (`go1.22.1`, `jq-1.7`) are left out.
 */
export const DEFAULT_VERSION_PATTERN = /((?:(?<![A-Za-z\d.])v)?(?<![\d.])\d+\.\d+(?:\.\d+)*(?:-[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?(?:\+[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?)/;

/** Loose reading (2-part versions become x.y.0) and prereleases kept and compared like releases. */
const SEMVER_OPTIONS = { loose: true, includePrerelease: true } as const;
const QUOTED_MAX_CHARS = 80;

/** What a container check found against what it expects. */
export function judgeContainerCheck(check: ContainerCheck, observation: Observation): CheckResult {
  if (observation.exitCode === null) {
    const line = meaningfulLine(observation.output);
    return resultOf(check, observation, [line === '' ? 'no result' : `no result: ${line}`], versionFields(check, observation, null));
  }
  switch (check.kind) {
    case 'command':
      return resultOf(check, observation, commandMismatches(check, observation));
    case 'version':
      return judgeVersion(check, observation);
    case 'file':
      return resultOf(check, observation, fileMismatches(check, observation.file));
  }
}

/**
 * Every check of a contract judged, in contract order. A container check with no observation never
 * reported (no result); config checks are judged against `config`, or get no result without one.
 */
export function judgeChecks(checks: readonly Check[], observations: ReadonlyMap<string, Observation>, config: ImageConfig | null): CheckResult[] {
  return checks.map((check) => {
    if (check.kind !== 'config') return judgeContainerCheck(check, observations.get(check.id) ?? { exitCode: null, output: '' });
    if (config !== null) return judgeConfigCheck(check, config);
    return checkResult(check, ['no result']);
  });
}

function resultOf(check: ContainerCheck, observation: Observation, mismatches: readonly string[], extra: Partial<CheckResult> = {}): CheckResult {
  return checkResult(check, mismatches, observation, extra);
}

function versionFields(check: ContainerCheck, observation: Observation, version: string | null): Partial<CheckResult> {
  return check.kind === 'version' ? { version, path: observation.path ?? null } : {};
}

function quoted(text: string): string {
  return JSON.stringify(clip(text, QUOTED_MAX_CHARS));
}

/**
 * Contract regexps are JavaScript source text, compiled multi-line: output has many lines and
 * `^gh version` should find the banner after a warning line. A broken one fails its check rather
 * than the run (contract files are validated earlier; this is the last line of defence).
 */
function compile(source: string): RegExp | string {
  try {
    return new RegExp(source, 'm');
  } catch (error) {
    return `invalid regular expression /${source}/: ${(error as Error).message}`;
  }
}

function exitMismatch(observation: Observation, expected: number): string {
  const line = meaningfulLine(observation.output);
  const status = `exit ${observation.exitCode}, expected ${expected}`;
  return line === '' ? status : `${status}: ${line}`;
}

function commandMismatches(check: CommandCheck, observation: Observation): string[] {
  // The wrong exit status says it all: output checks on a failed command would only add noise.
  if (observation.exitCode !== check.exitCode) return [exitMismatch(observation, check.exitCode)];
  const { output } = observation;
  const mismatches: string[] = [];
  for (const source of check.expectOutput) {
    const pattern = compile(source);
    if (typeof pattern === 'string') mismatches.push(pattern);
    else if (!pattern.test(output)) {
      const line = meaningfulLine(output, 'first');
      mismatches.push(`output does not match /${source}/ ${line === '' ? '(no output)' : `(got: ${quoted(line)})`}`);
    }
  }
  for (const source of check.rejectOutput) {
    const pattern = compile(source);
    if (typeof pattern === 'string') {
      mismatches.push(pattern);
      continue;
    }
    const match = pattern.exec(output);
    if (match !== null) mismatches.push(`output matches excluded /${source}/: ${quoted(lineAt(output, match.index))}`);
  }
  return mismatches;
}

/** The one-lined line of `text` holding position `index`. */
function lineAt(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index - 1) + 1;
  const end = text.indexOf('\n', index);
  return oneLine(text.slice(start, end === -1 ? undefined : end));
}

/** The version as printed, from `pattern`'s first group (or its whole match; null: the default pattern). */
export function readVersion(output: string, pattern: string | null): string | null {
  const compiled = pattern === null ? DEFAULT_VERSION_PATTERN : compile(pattern);
  return typeof compiled === 'string' ? null : versionIn(output, compiled);
}

function versionIn(output: string, pattern: RegExp): string | null {
  const match = pattern.exec(output);
  const found = (match?.[1] ?? match?.[0])?.trim();
  return found === undefined || found === '' ? null : found;
}

function judgeVersion(check: VersionCheck, observation: Observation): CheckResult {
  const fail = (detail: string, version: string | null = null) => resultOf(check, observation, [detail], versionFields(check, observation, version));
  if (observation.exitCode === 127 && observation.path === null) return fail('not on PATH');
  if (observation.exitCode !== 0) {
    const line = meaningfulLine(observation.output);
    return fail(line === '' ? `exit ${observation.exitCode}` : `exit ${observation.exitCode}: ${line}`);
  }
  const pattern = check.pattern === null ? DEFAULT_VERSION_PATTERN : compile(check.pattern);
  if (typeof pattern === 'string') return fail(pattern);
  const version = versionIn(observation.output, pattern);
  // No range: the check only records what is there, readable or not.
  if (check.range === null) return resultOf(check, observation, [], versionFields(check, observation, version));
  if (validRange(check.range, SEMVER_OPTIONS) === null) return fail(`invalid version range "${check.range}"`, version);
  if (version === null) {
    const line = meaningfulLine(observation.output, 'first');
    return fail(line === '' ? 'no version in output (no output)' : `no version in output (got: ${quoted(line)})`);
  }
  const parsed = coerce(version, SEMVER_OPTIONS);
  if (parsed === null) return fail(`found ${clip(oneLine(version), QUOTED_MAX_CHARS)} (not a version), need ${check.range}`, version);
  if (!satisfies(parsed, check.range, SEMVER_OPTIONS)) return fail(`found ${clip(oneLine(version), QUOTED_MAX_CHARS)}, need ${check.range}`, version);
  return resultOf(check, observation, [], versionFields(check, observation, version));
}

function fileMismatches(check: FileCheck, file: FileFacts | null | undefined): string[] {
  // undefined: the probe's facts never arrived, which is not the same as a missing file.
  if (file === undefined) return ['no result'];
  if (file === null) return ['not found'];
  const mismatches: string[] = [];
  if (check.type !== 'any' && file.type !== check.type) {
    const found = file.type === 'file' ? 'is a file' : file.type === 'directory' ? 'is a directory' : 'is neither a file nor a directory';
    mismatches.push(`${found}, need a ${check.type}`);
  }
  if (check.executable === true && !file.executable) mismatches.push('not executable');
  // The contract only documents true; false is read as its plain meaning.
  if (check.executable === false && file.executable) mismatches.push('executable, need not executable');
  if (check.mode !== null) {
    if (file.mode === null) mismatches.push('cannot read mode: no stat in the image');
    else if (parseInt(file.mode, 8) !== parseInt(check.mode, 8)) mismatches.push(`mode ${octal(file.mode)}, need ${octal(check.mode)}`);
  }
  if (check.owner !== null) {
    const byUid = /^\d+$/.test(check.owner);
    const known = byUid ? file.uid !== null : file.user !== null || file.uid !== null;
    if (!known) mismatches.push('cannot read owner: no stat in the image');
    else if (byUid ? file.uid !== Number(check.owner) : file.user !== check.owner) mismatches.push(`owner ${ownerOf(file)}, need ${check.owner}`);
  }
  return mismatches;
}

function octal(mode: string): string {
  const bits = parseInt(mode, 8);
  return Number.isNaN(bits) ? mode : bits.toString(8).padStart(4, '0');
}

function ownerOf(file: FileFacts): string {
  if (file.user !== null && file.uid !== null) return `${file.user} (uid ${file.uid})`;
  return file.user ?? `uid ${file.uid}`;
}
