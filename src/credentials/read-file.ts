import { readFileSync } from 'node:fs';

/**
 * The real `CredentialDeps['readFile']`: the file's text, or undefined when it does not exist
 * (ENOTDIR too: DOCKER_CONFIG naming a file means no config.json, as a stat in the CLI finds).
 * Other errors (EACCES, EISDIR…) reject; the lookup reports them.
 *
 * Read synchronously, as the docker CLI reads it: a config file is small and local, and this read
 * comes just before a validation's pull. The asynchronous read cost it 2-4 ms there (loading
 * fs/promises, starting libuv's thread pool, a round trip through it) for nothing it could overlap.
 */
export async function readOptionalTextFile(path: string): Promise<string | undefined> {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}
