// Public API of the signature trust module: keys an operator trusts, cosign simple-signing
// payloads, and the verdict over what a registry lookup found. Pure: no file, network or store.
export { parseTrustedKey, keyLabel } from './keys.js';
export { parsePayload, SIMPLE_SIGNING_TYPE, type SimpleSigningPayload, type PayloadParse } from './payload.js';
export { verifySignatures, type SignatureLookup, type ExpectedImage } from './verify.js';
export type { FoundSignature } from '../ports/signatures.js';
