import { Kysely, SqliteDialect, sql } from 'kysely';
import type Database from 'better-sqlite3';
import { ForbiddenError, ProjectNotFoundError, UsageError } from '../errors.js';
import type { AuditEntry, CachedSmoke, ImageSlot, OperatorRole, Subject } from '../lifecycle/model.js';
import type { RunFinish, RunStart, SlotChange, SlotChangeResult } from '../ports/store.js';
import { migrate } from './migrate.js';
import { projectOf, toSlot } from './rows.js';
import type { StoreSchema } from './schema.js';

type Tx = Kysely<StoreSchema>;

/**
 * Every write to the store, through kysely. Loaded only when a command writes: kysely's import
 * costs more than the rest of a `show`, so reads go through ./sqlite-reader.ts instead.
 */
export class SqliteWriter {
  private readonly db: Kysely<StoreSchema>;

  constructor(
    database: Database.Database,
    private readonly now: () => Date,
  ) {
    this.db = new Kysely<StoreSchema>({ dialect: new SqliteDialect({ database }) });
  }

  /** Applies pending migrations; on a new store, records its creator as first superadmin. */
  async initialize(path: string, bootstrapActor: string | undefined): Promise<void> {
    await this.write(async (tx) => {
      const { created } = await migrate(tx as Kysely<unknown>, path, this.timestamp());
      if (!created || bootstrapActor === undefined) return;
      // Like initdb: whoever creates the store is its first superadmin, and the log says so.
      await tx
        .insertInto('operators')
        .values({ actor: bootstrapActor, role: 'superadmin', granted_by: bootstrapActor, granted_at: this.timestamp() })
        .execute();
      await this.insertAudit(tx, {
        actor: bootstrapActor,
        project: null,
        event: 'operator_granted',
        from: null,
        to: 'superadmin',
        detail: { operator: bootstrapActor, bootstrap: true },
      });
    });
  }

  async changeSlot(change: SlotChange): Promise<SlotChangeResult> {
    return this.write(async (tx) => {
      await requireSuperadmin(tx, change.actor);
      const before = await selectSlot(tx, change.subject);
      if (change.subject.kind === 'project' && before === undefined && !change.create) {
        throw new ProjectNotFoundError(change.subject.project);
      }
      const now = this.timestamp();
      const lifecycle = {
        worker_image: change.reference,
        status: change.reference === null ? null : ('pending' as const),
        digest: null,
        pin_kind: null,
        error: null,
        allow_local: change.allowLocal ? 1 : 0,
        updated_at: now,
        validated_at: null,
        contract_hash: null,
      };
      if (before === undefined) {
        const fresh = { ...lifecycle, generation: 1, created_at: now };
        if (change.subject.kind === 'project') {
          await tx.insertInto('projects').values({ id: change.subject.project, ...fresh }).execute();
        } else {
          await tx.insertInto('global_default').values({ slot: 'default', ...fresh }).execute();
        }
      } else {
        const bumped = { ...lifecycle, generation: sql<number>`generation + 1` };
        if (change.subject.kind === 'project') {
          await tx.updateTable('projects').set(bumped).where('id', '=', change.subject.project).execute();
        } else {
          await tx.updateTable('global_default').set(bumped).execute();
        }
      }
      const after = await selectSlot(tx, change.subject);
      if (after === undefined) throw new Error('slot vanished inside its own transaction');
      await this.insertAudit(tx, {
        actor: change.actor,
        project: projectOf(change.subject),
        event: change.event,
        from: before?.reference ?? null,
        to: change.reference,
        detail: { generation: after.generation, ...(before === undefined ? { created: true } : {}), ...change.detail },
      });
      return { before, after, created: before === undefined };
    });
  }

  async deleteProject(project: string, actor: string, force: boolean): Promise<ImageSlot> {
    return this.write(async (tx) => {
      await requireSuperadmin(tx, actor);
      const before = await selectSlot(tx, { kind: 'project', project });
      if (before === undefined) throw new ProjectNotFoundError(project, 'see the projects with: cascade-image list');
      if (before.reference !== null && !force) {
        throw new UsageError(`project ${JSON.stringify(project)} still has a worker image (${before.reference})`, {
          hint: `clear it first (cascade-image clear ${project}) or delete anyway with --force`,
        });
      }
      await tx.deleteFrom('projects').where('id', '=', project).execute();
      await this.insertAudit(tx, {
        actor,
        project,
        event: 'project_deleted',
        from: before.reference,
        to: null,
        detail: { generation: before.generation, force },
      });
      return before;
    });
  }

  async beginRun(run: RunStart): Promise<void> {
    const started = this.now();
    await this.write(async (tx) => {
      await tx
        .insertInto('validation_runs')
        .values({
          run_id: run.runId,
          project_id: projectOf(run.subject),
          generation: run.generation,
          reference: run.reference,
          owner_pid: run.owner.pid,
          owner_host: run.owner.host,
          started_at: started.toISOString(),
          lease_expires_at: new Date(started.getTime() + run.leaseMs).toISOString(),
          finished_at: null,
          outcome: null,
          digest: null,
          error: null,
          checks: null,
          duration_ms: null,
        })
        .execute();
    });
  }

  async finishRun(finish: RunFinish): Promise<'stored' | 'stale'> {
    return this.write(async (tx) => {
      const slot = await selectSlot(tx, finish.subject);
      const current = slot !== undefined && slot.generation === finish.generation;
      const { verdict } = finish;
      // What the run found can differ from what the slot keeps (a drifted tag that failed keeps the old pin).
      const found = finish.finding ?? verdict;
      const now = this.timestamp();
      await tx
        .updateTable('validation_runs')
        .set({
          finished_at: now,
          outcome: current ? found.status : 'stale',
          // For a failed run, the image it tested (when it got that far): what failed, precisely.
          digest: found.status === 'verified' ? found.digest : (finish.testedPin ?? null),
          error: found.status === 'failed' ? found.reason : null,
          checks: finish.checks === undefined ? null : JSON.stringify(finish.checks),
          duration_ms: finish.durationMs,
        })
        .where('run_id', '=', finish.runId)
        .execute();
      if (current) {
        const result = {
          status: verdict.status,
          digest: verdict.status === 'verified' ? verdict.digest : null,
          pin_kind: verdict.status === 'verified' ? verdict.pinKind : null,
          error: verdict.status === 'failed' ? verdict.reason : null,
          validated_at: now,
          contract_hash: finish.contractHash,
        };
        // The generation guard lives in the WHERE clause too: it is the invariant, not just the check above.
        if (finish.subject.kind === 'project') {
          await tx
            .updateTable('projects')
            .set(result)
            .where('id', '=', finish.subject.project)
            .where('generation', '=', finish.generation)
            .execute();
        } else {
          await tx.updateTable('global_default').set(result).where('generation', '=', finish.generation).execute();
        }
      }
      // A re-validation that found nothing new is kept in validation_runs only: cron must not flood the audit log.
      if (!current || finish.outcome !== 'unchanged') {
        await this.insertAudit(tx, {
          actor: finish.actor,
          project: projectOf(finish.subject),
          // The event says what the run found; `to` what the slot now holds (a kept pin after a failed drift).
          event: current ? `validation_${found.status}` : 'validation_stale',
          from: finish.reference,
          to: verdict.status === 'verified' ? verdict.digest : null,
          detail: {
            runId: finish.runId,
            generation: finish.generation,
            outcome: current ? finish.outcome : 'stale',
            ...(found.status === 'failed' ? { reason: found.reason, cause: found.cause } : {}),
            ...(found !== verdict && verdict.status === 'verified' ? { keptPin: verdict.digest } : {}),
            ...(finish.testedPin === undefined ? {} : { tested: finish.testedPin }),
            ...(current ? {} : { currentGeneration: slot?.generation ?? null, found: found.status }),
            durationMs: finish.durationMs,
          },
        });
      }
      return current ? 'stored' : 'stale';
    });
  }

  async saveSmoke(imageId: string, contractHash: string, result: Omit<CachedSmoke, 'testedAt'>): Promise<void> {
    await this.write(async (tx) => {
      const values = {
        status: result.status,
        cause: result.cause,
        reason: result.reason,
        warnings: JSON.stringify(result.warnings),
        results: JSON.stringify(result.results),
        tested_at: this.timestamp(),
      };
      await tx
        .insertInto('smoke_results')
        .values({ image_id: imageId, contract_hash: contractHash, ...values })
        .onConflict((conflict) => conflict.columns(['image_id', 'contract_hash']).doUpdateSet(values))
        .execute();
    });
  }

  async appendAudit(entry: Omit<AuditEntry, 'id' | 'at'>): Promise<void> {
    await this.write((tx) => this.insertAudit(tx, entry));
  }

  async setOperator(actor: string, role: OperatorRole, by: string): Promise<void> {
    await this.write(async (tx) => {
      await requireSuperadmin(tx, by);
      const before = await roleOf(tx, actor);
      if (before === 'superadmin' && role !== 'superadmin') await refuseLastSuperadmin(tx, actor);
      await tx
        .insertInto('operators')
        .values({ actor, role, granted_by: by, granted_at: this.timestamp() })
        .onConflict((conflict) => conflict.column('actor').doUpdateSet({ role, granted_by: by, granted_at: this.timestamp() }))
        .execute();
      await this.insertAudit(tx, {
        actor: by,
        project: null,
        event: 'operator_granted',
        from: before ?? null,
        to: role,
        detail: { operator: actor },
      });
    });
  }

  async removeOperator(actor: string, by: string): Promise<void> {
    await this.write(async (tx) => {
      await requireSuperadmin(tx, by);
      const before = await roleOf(tx, actor);
      if (before === undefined) {
        throw new UsageError(`${actor} is not an operator`, { hint: 'see who is: cascade-image operators list' });
      }
      if (before === 'superadmin') await refuseLastSuperadmin(tx, actor);
      await tx.deleteFrom('operators').where('actor', '=', actor).execute();
      await this.insertAudit(tx, {
        actor: by,
        project: null,
        event: 'operator_revoked',
        from: before,
        to: null,
        detail: { operator: actor },
      });
    });
  }

  async close(): Promise<void> {
    // The better-sqlite3 handle belongs to the store facade, which closes it.
  }

  private timestamp(): string {
    return this.now().toISOString();
  }

  private async insertAudit(tx: Tx, entry: Omit<AuditEntry, 'id' | 'at'>): Promise<void> {
    await tx
      .insertInto('audit_log')
      .values({
        at: this.timestamp(),
        actor: entry.actor,
        project_id: entry.project,
        event: entry.event,
        from_ref: entry.from,
        to_ref: entry.to,
        detail: entry.detail === null ? null : JSON.stringify(entry.detail),
      })
      .execute();
  }

  /**
   * Every write takes the write lock up front (BEGIN IMMEDIATE): a deferred transaction that
   * later upgrades can fail with SQLITE_BUSY at once instead of waiting out the busy timeout.
   */
  private async write<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const result = await fn(conn);
        await sql`commit`.execute(conn);
        return result;
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw error;
      }
    });
  }
}

async function selectSlot(db: Tx, subject: Subject): Promise<ImageSlot | undefined> {
  const row =
    subject.kind === 'project'
      ? await db.selectFrom('projects').selectAll().where('id', '=', subject.project).executeTakeFirst()
      : await db.selectFrom('global_default').selectAll().executeTakeFirst();
  return row === undefined ? undefined : toSlot(subject, row);
}

async function roleOf(db: Tx, actor: string): Promise<OperatorRole | undefined> {
  const row = await db.selectFrom('operators').select('role').where('actor', '=', actor).executeTakeFirst();
  return row?.role;
}

async function requireSuperadmin(db: Tx, actor: string): Promise<void> {
  if ((await roleOf(db, actor)) !== 'superadmin') throw new ForbiddenError(actor);
}

async function refuseLastSuperadmin(db: Tx, actor: string): Promise<void> {
  const others = await db
    .selectFrom('operators')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('role', '=', 'superadmin')
    .where('actor', '!=', actor)
    .executeTakeFirstOrThrow();
  if (Number(others.count) === 0) {
    throw new UsageError(`${actor} is the last superadmin and cannot be revoked`, {
      hint: 'grant another superadmin first: cascade-image operators grant <actor> --role superadmin',
    });
  }
}
