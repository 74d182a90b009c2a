export { WORKER_CONTRACT } from './worker-contract.js';
export { canonicalJson, contractHash } from './contract-hash.js';
export type { FileFacts, Observation } from './observation.js';
export {
  buildSmokeScript,
  DEFAULT_OUTPUT_LIMIT_BYTES,
  MARKER,
  MAX_OUTPUT_LIMIT_BYTES,
  OUTPUT_LINE_PREFIX,
} from './script.js';
export type { SmokeScriptOptions } from './script.js';
export { parseSmokeOutput } from './report.js';
export type { ParsedSmokeOutput } from './report.js';
