import type { OperatorRole } from '../domain/index.js';
import { UsageError } from '../errors.js';
import { COPIED_TABLES, countRows, type AuditRow, type AuditRowDraft, type OperatorRow, type SourceSnapshot, type StoreRows, type TableCounts, type TargetState } from '../ports/store-copy.js';

/**
 * What a store copy writes, decided from what the source and the target hold (pure): the
 * refusals, the superadmin a server target needs, and the audit rows that record the copy.
 */

export const STORE_COPIED = 'store_copied';

/** The target holds rows already (or another application's tables): a copy fills only an empty or new store. */
export class CopyTargetNotEmptyError extends UsageError {
  override readonly code = 'STORE_COPY_TARGET_NOT_EMPTY';
}

/** The two stores are at different schema versions: rows of one are not rows of the other. */
export class CopySchemaMismatchError extends UsageError {
  override readonly code = 'STORE_COPY_SCHEMA_MISMATCH';
}

/** The target is the source itself. */
export class CopyOntoItselfError extends UsageError {
  override readonly code = 'STORE_COPY_SAME_STORE';
}

/** The role a server target authenticates as, made a superadmin of the copy (it was a viewer, or none). */
export interface AddedSuperadmin {
  readonly role: string;
  readonly was: OperatorRole | null;
}

export interface CopyPlanInput {
  readonly source: { readonly shown: string; readonly snapshot: SourceSnapshot };
  readonly target: { readonly shown: string; readonly found: TargetState };
  /** Who copies: a superadmin of the source (checked under the source's lock before planning). */
  readonly actor: string;
  /** When, for every row the copy adds (both stores' audit rows carry the same moment). */
  readonly at: string;
}

export interface CopyPlan {
  /** Every row the target holds afterwards: the source's, then what the copy adds. */
  readonly rows: StoreRows;
  /** Who writes the target: on a server the authenticated role, else the actor. */
  readonly targetActor: string;
  readonly addedSuperadmin: AddedSuperadmin | null;
  /** The source's rows, table by table: what the target's counts are checked against. */
  readonly copied: TableCounts;
  /** Rows the copy adds to the target, table by table (its grant and its audit rows). */
  readonly added: TableCounts;
  /** The source's own record of the copy, appended once the target committed. */
  readonly sourceAudit: AuditRowDraft;
}

export function planCopy(input: CopyPlanInput): CopyPlan {
  const { source, target, actor, at } = input;
  const { found } = target;
  const { rows } = source.snapshot;
  if (found.schemaVersion !== source.snapshot.schemaVersion) {
    throw new CopySchemaMismatchError(
      `the source ${source.shown} is at schema ${source.snapshot.schemaVersion} and the target ${target.shown} at ${found.schemaVersion}: a copy needs both at the same schema`,
      { hint: 'open the older store once with the newer cascade-image (that migrates it), or copy into a new store, which is created at this cascade-image\'s schema' },
    );
  }
  if (found.exists) {
    const held = COPIED_TABLES.filter((table) => found.counts[table] > 0);
    if (held.length > 0) {
      throw new CopyTargetNotEmptyError(`the target ${target.shown} already holds a store (${held.map((table) => `${table} ${found.counts[table]}`).join(', ')}): nothing was copied`, {
        hint: 'copy into a new file or a new PostgreSQL schema (?schema=…): the copy creates it',
      });
    }
  }
  const targetActor = found.connectedRole ?? actor;
  const { operators, addedSuperadmin } = withTargetActor(rows.operators, targetActor, at);
  let nextId = rows.audit_log.reduce((max, row) => Math.max(max, row.id), 0) + 1;
  const audit = (draft: AuditRowDraft): AuditRow => ({ id: nextId++, ...draft });
  const detail = JSON.stringify({
    source: source.shown,
    target: target.shown,
    schemaVersion: found.schemaVersion,
    counts: countRows(rows),
    by: actor,
    addedSuperadmin: addedSuperadmin?.role ?? null,
  });
  const record = (by: string): AuditRowDraft => ({ at, actor: by, project_id: null, event: STORE_COPIED, from_ref: source.shown, to_ref: target.shown, detail });
  const added: AuditRow[] = [];
  if (addedSuperadmin !== null) {
    added.push(
      audit({
        at,
        actor: targetActor,
        project_id: null,
        event: 'operator_granted',
        from_ref: addedSuperadmin.was,
        to_ref: 'superadmin',
        detail: JSON.stringify({ operator: targetActor, storeCopy: true }),
      }),
    );
  }
  added.push(audit(record(targetActor)));
  const planned: StoreRows = { ...rows, operators, audit_log: [...rows.audit_log, ...added] };
  const copied = countRows(rows);
  const total = countRows(planned);
  return {
    rows: planned,
    targetActor,
    addedSuperadmin,
    copied,
    added: Object.fromEntries(COPIED_TABLES.map((table) => [table, total[table] - copied[table]])) as Record<keyof TableCounts, number>,
    sourceAudit: record(actor),
  };
}

/**
 * On a server the guard trigger lets only a superadmin listed in the store's own operators write
 * it (and its owner the first operator of an empty one): the role writing the copy goes first, a
 * superadmin, else the copy could not be written, nor changed by anyone after. Elsewhere the
 * actor is a superadmin of the source, so already one of the copy.
 */
function withTargetActor(operators: readonly OperatorRow[], role: string, at: string): { operators: OperatorRow[]; addedSuperadmin: AddedSuperadmin | null } {
  const own = operators.find((row) => row.actor === role);
  const others = operators.filter((row) => row.actor !== role);
  if (own?.role === 'superadmin') return { operators: [own, ...others], addedSuperadmin: null };
  const granted: OperatorRow = { actor: role, role: 'superadmin', granted_by: role, granted_at: at };
  return { operators: [granted, ...others], addedSuperadmin: { role, was: own?.role ?? null } };
}

/** Refuses a target that is the source (as the adapters identify stores: a file's real path; a server's host, database and schema). */
export function refuseCopyOntoItself(source: { readonly identity: string }, target: { readonly identity: string; readonly shown: string }): void {
  if (source.identity !== target.identity) return;
  throw new CopyOntoItselfError(`the target ${target.shown} is the source store itself: nothing was copied`, { hint: 'name another file, or another PostgreSQL schema (?schema=…), as the target' });
}
