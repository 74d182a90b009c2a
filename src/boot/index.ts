// dist/boot.cjs: what bin/cascade-image.cjs loads first, compiled by Node itself (it is the part
// that cannot come from a code cache), so it stays small and imports no library.
export { BUNDLE_BANNER, BUNDLE_FOOTER } from './bundle-format.js';
export { BundleLoader, MAX_CACHES_PER_BUNDLE, type BundleLoaderOptions, type CacheUse } from './bundle-loader.js';
export { cacheDirectory, runtimeKey } from './cache-location.js';
export { commandWord } from '../cli/command-word.js';
export { mapStackTraces } from './stack-traces.js';
