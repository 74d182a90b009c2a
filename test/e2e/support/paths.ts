import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Absolute path of the repository root (this file lives in test/e2e/support/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The `cascade-image` command of the package as installed by scripts/install-package.mjs (npm pack,
 * then npm install into a fresh folder): what the e2e suite runs, never dist/ in place.
 */
export const INSTALLED_BIN = path.join(REPO_ROOT, '.tmp', 'installed', 'node_modules', '.bin', 'cascade-image');
