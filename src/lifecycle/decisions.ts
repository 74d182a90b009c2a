import { describeFailures, describeResult, judgeChecks, parseSmokeOutput, reportOf, type SmokeReport } from '../checks/index.js';
import type { DockerFailure } from '../errors.js';
import type { EngineVersion, ImageFacts, SmokeRunResult } from '../ports/docker.js';
import { parseNormalizedNamed, repositoryName, type ImageReference } from '../reference/index.js';
import { formatDuration } from './durations.js';
import { failed, type CheckContract, type ContainerCheck, type ImageConfig, type PinKind, type ValidationVerdict } from '../domain/index.js';

/** Pure lifecycle decisions: what to pin, and what a smoke run or an engine failure means. */

export type PinDecision =
  | { readonly ok: true; readonly pin: string; readonly kind: PinKind }
  | { readonly ok: false; readonly reason: string };

/**
 * Chooses the immutable reference to test and store. Preference: the digest the reference names,
 * then the digest the pull announced, then the single RepoDigests entry of the reference's own
 * (normalized) repository. A local image ID only with allowLocal.
 */
export function choosePin(
  reference: ImageReference,
  image: ImageFacts,
  options: { readonly pulledDigest: string | null; readonly allowLocal: boolean; readonly pullFailure?: string },
): PinDecision {
  const repository = repositoryName(reference);
  const ours = image.repoDigests.flatMap((entry) => {
    const parsed = parseNormalizedNamed(entry);
    if (!parsed.ok || parsed.value.digest === undefined || repositoryName(parsed.value) !== repository) return [];
    return [parsed.value.digest];
  });
  const wanted = reference.digest ?? options.pulledDigest;
  if (wanted !== null && wanted !== undefined && (ours.includes(wanted) || reference.digest !== undefined)) {
    return { ok: true, pin: `${repository}@${wanted}`, kind: 'registry' };
  }
  if (ours.length > 0) {
    return { ok: true, pin: `${repository}@${ours[0]}`, kind: 'registry' };
  }
  if (options.allowLocal) return { ok: true, pin: image.id, kind: 'local' };
  const others = image.repoDigests.length === 0 ? '' : ` (it has digests only for ${image.repoDigests.join(', ')})`;
  const pulled = options.pullFailure === undefined ? '' : `; the pull failed: ${options.pullFailure}`;
  return {
    ok: false,
    reason:
      `no registry digest for ${repository}: the image exists only locally${others}${pulled}. ` +
      'Push it to a registry and set that reference, or pass --allow-local to pin the local image ID',
  };
}

export interface ContractJudgement {
  readonly verdict: ValidationVerdict;
  readonly report: SmokeReport;
}

/** What judging a contract needs: the image's configuration and, when it has container checks, the smoke run. */
export interface ContractEvidence {
  readonly contract: CheckContract;
  readonly config: ImageConfig;
  /** undefined when the contract has no container checks: then no container ran. */
  readonly run: SmokeRunResult | undefined;
  readonly pin: { readonly pin: string; readonly kind: PinKind };
  readonly timeoutMs: number;
}

/** The checks that run inside the smoke container, in contract order. */
export function containerChecks(contract: CheckContract): readonly ContainerCheck[] {
  return contract.checks.filter((check): check is ContainerCheck => check.kind !== 'config');
}

/**
 * Pure: every check judged (config checks against the image's configuration, the others from the
 * smoke run's output), then the verdict. A hard failure fails the image; a soft one fails it too
 * unless the contract says `softFailures: warn`, when it becomes a stored warning of `verified`.
 */
export function judgeContract(evidence: ContractEvidence): ContractJudgement {
  const { contract, run, pin, timeoutMs } = evidence;
  const inContainer = containerChecks(contract);
  const parsed = run === undefined ? { observations: [], complete: true } : parseSmokeOutput(inContainer, run.output);
  const observations = new Map(inContainer.map((check, index) => [check.id, parsed.observations[index] ?? { exitCode: null, output: '' }]));
  const report = reportOf(judgeChecks(contract.checks, observations, evidence.config), parsed.complete);
  const verdict = (failure: string) => ({ report, verdict: failed('checks-failed', failure) });
  if (run?.timedOut === true) {
    const unfinished = report.results.filter((result) => result.kind !== 'config' && result.exitCode === null).map((result) => result.label);
    const which = unfinished.length === 0 ? '' : ` (unfinished: ${unfinished.join(', ')})`;
    return { report, verdict: failed('timeout', `smoke-test timed out after ${formatDuration(timeoutMs)}${which}`) };
  }
  if (run !== undefined && !report.complete) {
    // The script itself died (OOM kill, a check that killed its shell): say so, not "check failed".
    const oom = run.exitCode === 137 ? ' (killed: out of memory or SIGKILL)' : '';
    const unfinished = report.results.filter((result) => result.kind !== 'config' && result.exitCode === null).map((result) => result.label);
    const tail = lastLine(run.output);
    return verdict(`smoke-test exited with code ${run.exitCode ?? 'unknown'}${oom} before all checks reported (unfinished: ${unfinished.join(', ')})${tail === '' ? '' : `: ${tail}`}`);
  }
  if (report.hardFailures.length > 0) return verdict(describeFailures(report));
  if (report.softFailures.length > 0 && contract.softFailures === 'fail') return verdict(describeFailures(report));
  if (run !== undefined && run.exitCode !== 0) {
    return verdict(`smoke-test exited with code ${run.exitCode ?? 'unknown'} although every hard check passed`);
  }
  const warnings = report.softFailures.map((result) => `soft check failed: ${describeResult(result)}`);
  return { report, verdict: { status: 'verified', digest: pin.pin, pinKind: pin.kind, warnings } };
}

/** The verdict of a run its caller interrupted; the signal's reason is its name (SIGINT, SIGTERM). */
export function interruptedVerdict(signal: AbortSignal): ValidationVerdict {
  return failed('interrupted', `interrupted (${String(signal.reason)})`);
}

/** Why an image cannot be tested on this engine, or undefined when its platform matches (or is unknown). */
export function platformMismatch(image: ImageFacts, engine: EngineVersion): string | undefined {
  if (image.os === null || image.architecture === null) return undefined;
  if (image.os === engine.os && image.architecture === engine.architecture) return undefined;
  const platform = [image.os, image.architecture, ...(image.variant === null ? [] : [image.variant])].join('/');
  return `image is ${platform}; this engine runs ${engine.os}/${engine.architecture}`;
}

/** Maps a classified engine failure to the reason a person reads in `show`. */
export function failureVerdict(failure: DockerFailure, context: { readonly reference: string; readonly endpoint: string }): ValidationVerdict {
  const detail = failure.detail;
  switch (failure.kind) {
    case 'engine-unavailable':
      return failed('engine-unavailable', `Docker engine unreachable at ${context.endpoint}: ${detail}`);
    case 'denied':
      return failed('pull-denied', `pull denied for ${context.reference}: ${detail} (log in to the registry or check the repository name)`);
    case 'not-found':
      return failed('pull-not-found', `pull failed: ${context.reference} not found in its registry (${detail})`);
    case 'registry-unreachable':
      return failed('registry-unreachable', `registry unreachable for ${context.reference}: ${detail}`);
    case 'platform':
      return failed('platform', `no image for this engine's platform: ${detail}`);
    case 'no-bash':
      return failed('no-bash', `image has no bash: the smoke-test runs bash from PATH (${detail})`);
    case 'aborted':
      return failed('interrupted', 'interrupted');
    case 'image-missing':
      return failed('engine-error', `image vanished from the engine during validation: ${detail}`);
    case 'other':
      return failed('engine-error', `engine error: ${detail}`);
  }
}

function lastLine(output: string): string {
  const lines = output.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('@@'));
  return (lines.at(-1) ?? '').slice(0, 160);
}
