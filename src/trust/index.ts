// Public API of the signature trust module: keys an operator trusts, cosign simple-signing
// payloads, and the verdict over what a registry lookup found. Pure: no file, network or store.
export { parseTrustedKey, keyLabel } from './keys.js';
