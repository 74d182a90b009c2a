import type { KeyText } from '../commands/trust.js';
import { readContractText } from './contract-file.js';

/** Reads a public key file for `trust set --key`: exit 2 with the reason when it cannot be read. */
export function readKeyText(path: string): KeyText {
  const { text } = readContractText(path, 'key file');
  return { text, path };
}
