// Docker Hub naming conventions that normalization and familiarization share.

/** Where names without a registry go. */
export const DEFAULT_DOMAIN = 'docker.io';
/** Old spelling of the Hub registry, rewritten to DEFAULT_DOMAIN. */
export const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
/** Namespace of official images ("ubuntu" is "library/ubuntu"). */
export const OFFICIAL_REPO_PREFIX = 'library/';
/** Treated as a registry even without a '.' or ':'. */
export const LOCALHOST = 'localhost';
/** Tag that ParseDockerRef adds to bare names, as `docker pull` does. */
export const DEFAULT_TAG = 'latest';
