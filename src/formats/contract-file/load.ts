import type { CheckContract } from '../../domain/index.js';
import { parseContractFile } from './parse.js';
import { resolveContract } from './resolve.js';

/** A contract file's text to the contract it means; every error is a ContractFileError. */
export function loadContract(text: string, fileName: string, builtin: CheckContract): CheckContract {
  return resolveContract(parseContractFile(text, fileName), builtin);
}
