import { readFile } from 'node:fs/promises';

/**
 * The real `CredentialDeps['readFile']`: the file's text, or undefined when it does not exist
 * (ENOTDIR too: DOCKER_CONFIG naming a file means no config.json, as a stat in the CLI finds).
 * Other errors (EACCES, EISDIR…) reject; the lookup reports them.
 */
export async function readOptionalTextFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}
