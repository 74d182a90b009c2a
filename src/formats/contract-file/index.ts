// Contract files (YAML or JSON, format version 1): parse, resolve against the built-in contract, render.
export { loadContract } from './load.js';
export type { CheckEntry, CommandEntry, ConfigEntry, ContractFile, ContractFileOrigin, FileEntry, SourcePosition, VersionEntry } from './model.js';
export { KNOWN_VERSIONS } from './model.js';
export { MAX_FILE_BYTES, parseContractFile } from './parse.js';
export { renderContractFile, type RenderOptions } from './render.js';
export { resolveContract } from './resolve.js';
export { contractToFile } from './to-file.js';
export { baselineContract, type Baseline } from './baseline.js';
