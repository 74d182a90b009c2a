import { createRequire } from 'node:module';

const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;
/** Standard base64 with padding, as cosign writes the signature annotation (Buffer.from would accept anything). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function isSha256Digest(value: unknown): value is string {
  return typeof value === 'string' && SHA256_DIGEST.test(value);
}

let crypto: typeof import('node:crypto') | undefined;

/** `sha256:<hex>` of some bytes. node:crypto is required on first use: most runs never check a signature. */
export function sha256Digest(bytes: Uint8Array): string {
  crypto ??= createRequire(import.meta.filename)('node:crypto') as typeof import('node:crypto');
  return `sha256:${crypto.createHash('sha256').update(bytes).digest('hex')}`;
}

/** The bytes of strict, non-empty base64; undefined for anything else. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (text === '' || !BASE64.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, 'base64'));
}
