import { StoreUnavailableError, type CascadeError } from '../../errors.js';
import { COPIED_TABLES, countRows, type CopyTarget, type StoreRows, type TableCounts, type TargetState } from '../../ports/store-copy.js';
import type { StoreDialect } from '../dialect.js';
import { migrate } from '../migrate.js';
import type { StoreWriter } from '../store-writer.js';
import type { Timestamp, Tx } from '../writes/transaction.js';
import { countAll, insertAll } from './tables.js';

/** The target's table counts, read back inside the copy's transaction, differ from the rows written: nothing was kept. */
export class StoreCopyMismatchError extends StoreUnavailableError {
  override readonly code = 'STORE_COPY_MISMATCH';
}

/** What differs between the two dialects' targets. */
export interface TargetDialect {
  readonly dialect: StoreDialect;
  /** What the target holds, read under its write lock. Throws to refuse one that is not a cascade-image store. */
  inspect(tx: Tx): Promise<TargetState>;
  /** Before the migrations of a new store (a server creates its schema). */
  prepare(tx: Tx): Promise<void>;
  /** After rows went in with their own ids: the next generated id follows them. */
  afterInsert(tx: Tx): Promise<void>;
}

/** The target side of a copy: inspect, plan, create, insert and count back, in one transaction. */
export class WriterCopyTarget implements CopyTarget {
  constructor(
    readonly kind: StoreDialect,
    readonly shown: string,
    readonly identity: string,
    private readonly writer: StoreWriter,
    private readonly hooks: TargetDialect,
    private readonly translate: (error: unknown) => CascadeError,
    private readonly release: () => Promise<void>,
  ) {}

  async fill(plan: (found: TargetState) => StoreRows): Promise<{ readonly created: boolean; readonly counts: TableCounts }> {
    try {
      return await this.writer.transaction(async (tx, timestamp) => {
        const found = await this.hooks.inspect(tx);
        const rows = plan(found);
        if (!found.exists) await this.create(tx, timestamp);
        await insertAll(tx, rows);
        await this.hooks.afterInsert(tx);
        const counts = await countAll(tx);
        this.verify(countRows(rows), counts);
        return { created: !found.exists, counts };
      });
    } catch (error) {
      throw this.translate(error);
    }
  }

  close(): Promise<void> {
    return this.release();
  }

  /** At this build's schema, and without the bootstrap operator a new store gets: the copied operators are its operators. */
  private async create(tx: Tx, timestamp: Timestamp): Promise<void> {
    await this.hooks.prepare(tx);
    await migrate(tx as never, this.shown, timestamp(), this.hooks.dialect);
  }

  private verify(written: TableCounts, found: TableCounts): void {
    const differing = COPIED_TABLES.filter((table) => written[table] !== found[table]);
    if (differing.length === 0) return;
    const list = differing.map((table) => `${table} ${found[table]} of ${written[table]}`).join(', ');
    throw new StoreCopyMismatchError(`the copy into ${this.shown} did not keep every row (${list}); it was rolled back`, {
      hint: 'look for triggers or rules on the target that are not cascade-image\'s, then copy again',
    });
  }
}
