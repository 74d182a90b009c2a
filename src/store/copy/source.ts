import type { CascadeError } from '../../errors.js';
import type { Permit } from '../../ports/store.js';
import type { AuditRowDraft, CopySource, SourceSnapshot } from '../../ports/store-copy.js';
import type { StoreDialect } from '../dialect.js';
import type { StoreWriter } from '../store-writer.js';
import { roleOf } from '../writes/operators.js';
import { appliedMigrations, readAll } from './tables.js';

/**
 * The source side of a copy, the same on both dialects: one write transaction, so the rows read
 * are one snapshot that no other process can change before the copy's own audit row follows them.
 */
export class WriterCopySource implements CopySource {
  constructor(
    private readonly writer: StoreWriter,
    private readonly dialect: StoreDialect,
    readonly shown: string,
    readonly identity: string,
    private readonly translate: (error: unknown) => CascadeError,
    private readonly release: () => Promise<void>,
  ) {}

  async copyFrom<T>(permit: Permit, copy: (snapshot: SourceSnapshot) => Promise<{ readonly value: T; readonly audit: AuditRowDraft }>): Promise<T> {
    try {
      return await this.writer.transaction(async (tx) => {
        permit.check(await roleOf(tx, permit.actor));
        const schemaVersion = (await appliedMigrations(tx)).at(-1) ?? 'none';
        const { value, audit } = await copy({ schemaVersion, rows: await readAll(tx, this.dialect) });
        await tx.insertInto('audit_log').values(audit).execute();
        return value;
      });
    } catch (error) {
      throw this.translate(error);
    }
  }

  close(): Promise<void> {
    return this.release();
  }
}
