import { ExitCode, type ExitCodeValue } from '../errors.js';
import { needsAttention } from '../lifecycle/classify.js';
import type { ValidationOutcome } from '../lifecycle/validator.js';

/** One exit code for one or more validation outcomes: the most serious wins. */
export function exitCodeForOutcomes(outcomes: readonly ValidationOutcome[], interrupted?: 'SIGINT' | 'SIGTERM'): ExitCodeValue {
  if (interrupted !== undefined) return interrupted === 'SIGINT' ? ExitCode.interrupted : ExitCode.terminated;
  let code: ExitCodeValue = ExitCode.ok;
  for (const outcome of outcomes) {
    const found = outcome.finding ?? outcome.verdict;
    if (found.status === 'failed' && found.cause === 'engine-unavailable') return ExitCode.unavailable;
    if (outcome.verdict.status === 'failed' || outcome.stored === 'stale' || needsAttention(outcome.outcome)) code = ExitCode.failed;
  }
  return code;
}
