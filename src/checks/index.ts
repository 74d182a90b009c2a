export { WORKER_CONTRACT, contractHash } from './contract.js';
export type { Check, CheckContract, CheckSeverity } from './contract.js';
export {
  buildSmokeScript,
  DEFAULT_OUTPUT_LIMIT_BYTES,
  MARKER,
  MAX_OUTPUT_LIMIT_BYTES,
  OUTPUT_LINE_PREFIX,
} from './script.js';
export type { SmokeScriptOptions } from './script.js';
export { describeFailures, parseSmokeOutput } from './report.js';
export type { CheckResult, SmokeReport } from './report.js';
