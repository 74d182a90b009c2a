import { describe, expect, it } from 'vitest';
import { buildSmokeScript, WORKER_CONTRACT } from '../../src/checks/index.js';
import { choosePin, platformMismatch, failureVerdict, judgeContract, containerChecks } from '../../src/lifecycle/decisions.js';
import { formatDuration, parseDuration } from '../../src/lifecycle/durations.js';
import { DockerFailure } from '../../src/errors.js';
import type { CheckContract, ImageConfig } from '../../src/domain/index.js';
import type { ImageFacts } from '../../src/ports/docker.js';
import { parseNormalizedNamed, type ImageReference } from '../../src/reference/index.js';
import { IMPORTED_CONFIG } from '../support/fake-docker.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

function ref(text: string): ImageReference {
  const parsed = parseNormalizedNamed(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

const image = (repoDigests: string[]): ImageFacts => ({ id: 'sha256:local', repoDigests, os: 'linux', architecture: 'amd64', variant: null, config: IMPORTED_CONFIG });

describe('choosePin', () => {
  it.each([
    ['the digest the pull announced', 'r.test/a/w:1', [`r.test/a/w@${D1}`, `r.test/a/w@${D2}`], D2, false, `r.test/a/w@${D2}`],
    ['the only entry of its repository', 'r.test/a/w:1', [`other.test/x@${D1}`, `r.test/a/w@${D2}`], null, false, `r.test/a/w@${D2}`],
    ['familiar RepoDigests for docker.io references (alpine ≡ docker.io/library/alpine)', 'alpine', [`alpine@${D1}`], null, false, `docker.io/library/alpine@${D1}`],
    ['index.docker.io spelled references', 'index.docker.io/library/alpine:3', [`alpine@${D1}`], null, false, `docker.io/library/alpine@${D1}`],
    ['the digest the reference names', `r.test/a/w@${D2}`, [`r.test/a/w@${D1}`], null, false, `r.test/a/w@${D2}`],
    ['a registry digest even when local images are allowed', 'r.test/a/w:1', [`r.test/a/w@${D1}`], null, true, `r.test/a/w@${D1}`],
  ])('pins %s', (_what, reference, digests, pulled, allowLocal, expected) => {
    expect(choosePin(ref(reference), image(digests), { pulledDigest: pulled, allowLocal })).toEqual({ ok: true, pin: expected, kind: 'registry' });
  });

  it('refuses an image without a digest of its repository, saying how to fix it', () => {
    const decision = choosePin(ref('r.test/a/w:1'), image([`other.test/x@${D1}`]), { pulledDigest: null, allowLocal: false });
    expect(decision.ok).toBe(false);
    expect(!decision.ok && decision.reason).toMatch(/no registry digest for r\.test\/a\/w.*other\.test\/x.*--allow-local/);
  });

  it('pins the local image ID with allowLocal', () => {
    expect(choosePin(ref('team/local'), image([]), { pulledDigest: null, allowLocal: true })).toEqual({ ok: true, pin: 'sha256:local', kind: 'local' });
  });
});

describe('judgeContract', () => {
  const pin = { pin: `r.test/a/w@${D1}`, kind: 'registry' as const };
  const run = (output: string, exitCode: number | null = 0, timedOut = false) => ({ exitCode, output, truncated: false, timedOut, containerId: 'c' });
  const inContainer = containerChecks(WORKER_CONTRACT);
  /** The script's output for the worker contract: each check's exit code and printed line. */
  const framed = (code: (id: string) => number, said: (id: string) => string = () => 'v20.11.1') =>
    inContainer.map((check, index) => `@@cascade-check ${index} begin\n${check.kind === 'version' ? `@@cascade-check ${index} output\n` : ''}| ${said(check.id)}\n@@cascade-check ${index} end ${code(check.id)}\n`).join('');
  const judge = (contract: CheckContract, smoke: ReturnType<typeof run> | undefined, config: ImageConfig = IMPORTED_CONFIG) =>
    judgeContract({ contract, config, run: smoke, pin, timeoutMs: 300_000 });
  const warn: CheckContract = { ...WORKER_CONTRACT, softFailures: 'warn' };

  it('verifies when every check passes', () => {
    expect(judge(WORKER_CONTRACT, run(framed(() => 0))).verdict).toEqual({ status: 'verified', digest: pin.pin, pinKind: 'registry', warnings: [] });
  });

  it('fails on a hard check, naming it and what it found', () => {
    const judged = judge(WORKER_CONTRACT, run(framed((id) => (id === 'git' ? 127 : 0), (id) => (id === 'git' ? 'bash: git: command not found' : 'v1.0.0')), 1));
    expect(judged.verdict).toEqual({ status: 'failed', cause: 'checks-failed', reason: 'hard checks failed: git --version (not on PATH)' });
  });

  it('fails on a soft check under the built-in contract: every check must pass', () => {
    const judged = judge(WORKER_CONTRACT, run(framed((id) => (id === 'python' ? 127 : 0))));
    expect(judged.verdict).toMatchObject({ status: 'failed', cause: 'checks-failed', reason: expect.stringMatching(/^soft checks failed: python --version/) });
  });

  it('verifies with a stored warning per soft failure under softFailures: warn', () => {
    const judged = judge(warn, run(framed((id) => (id === 'python' || id === 'playwright' ? 1 : 0))));
    expect(judged.verdict).toMatchObject({ status: 'verified', warnings: [expect.stringMatching(/^soft check failed: python --version/), expect.stringMatching(/^soft check failed: @playwright\/test package/)] });
  });

  it('still fails a hard failure under softFailures: warn', () => {
    expect(judge(warn, run(framed((id) => (id === 'node' ? 1 : 0)), 1)).verdict).toMatchObject({ status: 'failed' });
  });

  it('holds a version to its range, saying what was found and what is needed', () => {
    const contract: CheckContract = {
      ...WORKER_CONTRACT,
      checks: WORKER_CONTRACT.checks.map((check) => (check.id === 'node' && check.kind === 'version' ? { ...check, range: '>=22 <23' } : check)),
    };
    expect(judge(contract, run(framed(() => 0))).verdict).toMatchObject({ status: 'failed', reason: 'hard checks failed: node --version (found v20.11.1, need >=22 <23)' });
  });

  it('decides config checks from the image configuration, with no run at all', () => {
    const contract: CheckContract = { name: 'config', softFailures: 'fail', checks: [{ id: 'non-root', label: 'not root', severity: 'hard', kind: 'config', expect: { user: { notRoot: true } } }] };
    expect(judge(contract, undefined).verdict).toMatchObject({ status: 'failed', reason: expect.stringContaining('not root (') });
    expect(judge(contract, undefined, { ...IMPORTED_CONFIG, user: 'agent' }).verdict).toMatchObject({ status: 'verified' });
  });

  it('fails when the script died before every check reported (e.g. out of memory)', () => {
    expect(judge(WORKER_CONTRACT, run('@@cascade-check 0 begin\n@@cascade-check 0 end 0\n', 137)).verdict).toMatchObject({ status: 'failed', reason: expect.stringContaining('out of memory') });
  });

  it('reports a timeout with its duration and the unfinished checks', () => {
    expect(judge(WORKER_CONTRACT, run('', null, true)).verdict).toMatchObject({ status: 'failed', cause: 'timeout', reason: expect.stringMatching(/^smoke-test timed out after 5m \(unfinished: cascade-tools --version/) });
  });

  it('is fed by the real script protocol', () => {
    expect(buildSmokeScript(inContainer)).toContain('@@cascade-check');
  });
});

describe('failureVerdict', () => {
  it.each([
    ['engine-unavailable', 'engine-unavailable', /Docker engine unreachable at unix:\/\/\/x\.sock/],
    ['denied', 'pull-denied', /pull denied for r\/w:1/],
    ['not-found', 'pull-not-found', /not found in its registry/],
    ['registry-unreachable', 'registry-unreachable', /registry unreachable/],
    ['platform', 'platform', /platform/],
    ['no-bash', 'no-bash', /no bash/],
    ['aborted', 'interrupted', /^interrupted$/],
    ['other', 'engine-error', /engine error/],
  ] as const)('%s → %s', (kind, cause, reason) => {
    const verdict = failureVerdict(new DockerFailure(kind, 'detail'), { reference: 'r/w:1', endpoint: 'unix:///x.sock' });
    expect(verdict).toMatchObject({ status: 'failed', cause, reason: expect.stringMatching(reason) });
  });
});

describe('durations', () => {
  it.each([
    ['90', 90_000],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1m30s', 90_000],
    ['1500ms', 1500],
    ['2h', 7_200_000],
    ['0.5s', 500],
  ])('parses %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'soon', '5 minutes', '-1s', '5x'])('refuses %j', (text) => expect(parseDuration(text)).toBeUndefined());

  it.each([
    [300_000, '5m'],
    [3000, '3s'],
    [400, '400ms'],
  ])('formats %d as %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('platformMismatch', () => {
  const engine = { version: '20.10', apiVersion: '1.41', os: 'linux', architecture: 'amd64' };
  const imageOf = (os: string | null, architecture: string | null, variant: string | null = null): ImageFacts => ({ id: 'sha256:i', repoDigests: [], os, architecture, variant, config: { ...IMPORTED_CONFIG, os, architecture } });
  it.each([
    ['the same platform', imageOf('linux', 'amd64'), undefined],
    ['another architecture', imageOf('linux', 'arm64'), 'image is linux/arm64; this engine runs linux/amd64'],
    ['another architecture with a variant', imageOf('linux', 'arm', 'v7'), 'image is linux/arm/v7; this engine runs linux/amd64'],
    ['another OS', imageOf('windows', 'amd64'), 'image is windows/amd64; this engine runs linux/amd64'],
    ['an image that does not say', imageOf(null, null), undefined],
  ] as const)('%s', (_what, image, expected) => {
    expect(platformMismatch(image, engine)).toBe(expected);
  });
});
