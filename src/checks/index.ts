export { WORKER_CONTRACT, WORKER_CONTRACT_HASH } from './worker-contract.js';
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
export { judgeChecks, judgeContainerCheck } from './judge.js';
export { describeFailures, describeResult, reportOf } from './describe.js';
export type { SmokeReport } from './describe.js';
export { describeInventoryChanges, diffInventories, inventoryOf } from './inventory.js';
