export interface FoundSignature { readonly source: 'tag' | 'referrers'; readonly manifest: string; readonly payload: Uint8Array; readonly signature: Uint8Array | { readonly malformed: string } }
