import type { FoundSignature, SignatureLookup } from '../ports/signatures.js';
import { MAX_MALFORMED, MAX_SIGNATURES } from './limits.js';

/** What one lookup found, looked at and could not use, under its caps. */
export class Collector {
  private readonly found: FoundSignature[] = [];
  private readonly looked: string[] = [];
  private readonly malformed: string[] = [];
  private unlisted = 0;
  private capped = false;

  /** No more signatures are read once MAX_SIGNATURES are (counting those with an unreadable signature). */
  get full(): boolean {
    return this.found.length >= MAX_SIGNATURES;
  }

  add(signature: FoundSignature): void {
    this.found.push(signature);
  }

  look(what: string): void {
    this.looked.push(what);
  }

  unusable(reason: string): void {
    if (this.malformed.length < MAX_MALFORMED) this.malformed.push(reason);
    else this.unlisted += 1;
  }

  /** Said once, however many signatures were left unread. */
  cap(): void {
    if (!this.capped) this.unusable(`more than ${MAX_SIGNATURES} signatures: only the first ${MAX_SIGNATURES} were read`);
    this.capped = true;
  }

  result(): SignatureLookup {
    const malformed = this.unlisted === 0 ? this.malformed : [...this.malformed, `and ${this.unlisted} more not listed`];
    return { found: [...this.found], looked: [...this.looked], malformed };
  }
}

/** "no signature", "1 signature", "3 signatures". */
export function signatures(count: number): string {
  return count === 0 ? 'no signature' : `${count} signature${count === 1 ? '' : 's'}`;
}
