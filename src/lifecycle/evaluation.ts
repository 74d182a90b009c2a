import type { SmokeReport } from '../checks/index.js';
import type { CheckResult } from '../domain/index.js';
import type { ValidationVerdict } from '../domain/index.js';
import type { DockerFailure } from '../errors.js';
import type { Evaluation } from './classify.js';

/** What evaluating one reference produced, wherever the pipeline stopped. */
export interface FullEvaluation extends Evaluation {
  readonly report: SmokeReport | undefined;
  /** The per-check results stored with a remembered verdict. */
  readonly rememberedChecks?: readonly CheckResult[];
  readonly ranContainer: boolean;
}

/** What the pipeline had reached when it stopped, for the verdict of a run that threw. */
export interface PipelineProgress {
  pin: string | undefined;
  pullFailure: DockerFailure | undefined;
  ranContainer: boolean;
}

/** The one constructor of an evaluation: `verdict` at the point the pipeline had reached. */
export function evaluationAt(progress: PipelineProgress, verdict: ValidationVerdict, extra: Partial<FullEvaluation> = {}): FullEvaluation {
  return {
    verdict,
    pin: progress.pin,
    pullFailure: progress.pullFailure,
    cached: false,
    report: undefined,
    ranContainer: progress.ranContainer,
    ...extra,
  };
}
