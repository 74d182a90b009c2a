import { describe, expect, it } from 'vitest';
import { CopySchemaMismatchError, CopyTargetNotEmptyError, planCopy, refuseCopyOntoItself, type CopyPlanInput } from '../../src/lifecycle/store-copy.js';
import { COPIED_TABLES, type AuditRow, type OperatorRow, type StoreRows, type TableCounts, type TargetState } from '../../src/ports/store-copy.js';

const AT = '2026-12-02T10:00:00.000Z';
const VERSION = '0005_server_roles';
const none = Object.fromEntries(COPIED_TABLES.map((table) => [table, 0])) as TableCounts;
const empty: StoreRows = Object.fromEntries(COPIED_TABLES.map((table) => [table, []])) as unknown as StoreRows;
const operator = (actor: string, role: OperatorRow['role']): OperatorRow => ({ actor, role, granted_by: 'alice', granted_at: 'then' });
const auditRow = (id: number): AuditRow => ({ id, at: 'then', actor: 'alice', project_id: null, event: 'e', from_ref: null, to_ref: null, detail: null });

const rows: StoreRows = { ...empty, operators: [operator('alice', 'superadmin'), operator('bob', 'viewer'), operator('pgrole', 'viewer')], audit_log: [auditRow(1), auditRow(7), auditRow(3)] };
const newFile: TargetState = { exists: false, schemaVersion: VERSION, connectedRole: undefined };
const newSchema = (role: string): TargetState => ({ exists: false, schemaVersion: VERSION, connectedRole: role });

const input = (found: TargetState, overrides: Partial<CopyPlanInput> = {}): CopyPlanInput => ({
  source: { shown: '/stores/a.db', snapshot: { schemaVersion: VERSION, rows } },
  target: { shown: 'postgres://pgrole@db:5432/x (schema s)', found },
  actor: 'alice',
  at: AT,
  ...overrides,
});

describe('planCopy', () => {
  it('into a file: the rows as they are, then one store_copied row after the highest id, recorded alike in the source', () => {
    const plan = planCopy(input(newFile));
    expect(plan.rows.operators).toEqual(rows.operators);
    expect(plan.addedSuperadmin).toBeNull();
    expect(plan.targetActor).toBe('alice');
    expect(plan.rows.audit_log.slice(0, 3)).toEqual(rows.audit_log);
    const copied = plan.rows.audit_log[3];
    expect(copied).toMatchObject({ id: 8, at: AT, actor: 'alice', project_id: null, event: 'store_copied', from_ref: '/stores/a.db', to_ref: 'postgres://pgrole@db:5432/x (schema s)' });
    expect(JSON.parse(copied?.detail ?? '')).toEqual({
      source: '/stores/a.db',
      target: 'postgres://pgrole@db:5432/x (schema s)',
      schemaVersion: VERSION,
      counts: { ...none, operators: 3, audit_log: 3 },
      by: 'alice',
      addedSuperadmin: null,
    });
    const { id: _id, ...draft } = copied ?? auditRow(0);
    expect(plan.sourceAudit).toEqual(draft);
    expect(plan.copied).toEqual({ ...none, operators: 3, audit_log: 3 });
    expect(plan.added).toEqual({ ...none, audit_log: 1 });
  });

  it('into a server as a role the source does not know: that role first, a superadmin, and its grant audited', () => {
    const plan = planCopy(input(newSchema('carol')));
    expect(plan.targetActor).toBe('carol');
    expect(plan.addedSuperadmin).toEqual({ role: 'carol', was: null });
    expect(plan.rows.operators).toEqual([{ actor: 'carol', role: 'superadmin', granted_by: 'carol', granted_at: AT }, ...rows.operators]);
    expect(plan.rows.audit_log.slice(3).map((row) => [row.id, row.actor, row.event, row.from_ref, row.to_ref])).toEqual([
      [8, 'carol', 'operator_granted', null, 'superadmin'],
      [9, 'carol', 'store_copied', '/stores/a.db', 'postgres://pgrole@db:5432/x (schema s)'],
    ]);
    expect(JSON.parse(plan.rows.audit_log[3]?.detail ?? '')).toEqual({ operator: 'carol', storeCopy: true });
    // The source's row names who copied there, the target's who wrote it.
    expect(plan.sourceAudit.actor).toBe('alice');
    expect(plan.added).toEqual({ ...none, operators: 1, audit_log: 2 });
  });

  it('into a server as a role that was a viewer: promoted, and said so', () => {
    const plan = planCopy(input(newSchema('pgrole')));
    expect(plan.addedSuperadmin).toEqual({ role: 'pgrole', was: 'viewer' });
    expect(plan.rows.operators.map((row) => [row.actor, row.role])).toEqual([
      ['pgrole', 'superadmin'],
      ['alice', 'superadmin'],
      ['bob', 'viewer'],
    ]);
    expect(plan.rows.audit_log[3]).toMatchObject({ event: 'operator_granted', from_ref: 'viewer', to_ref: 'superadmin' });
    expect(plan.added.operators).toBe(0);
  });

  it('into a server as a superadmin of the source: its own row goes first, unchanged, nothing added', () => {
    const plan = planCopy(input(newSchema('alice')));
    expect(plan.addedSuperadmin).toBeNull();
    expect(plan.rows.operators).toEqual([rows.operators[0], rows.operators[1], rows.operators[2]]);
    expect(plan.added).toEqual({ ...none, audit_log: 1 });
  });

  it('fills an existing store with no rows', () => {
    expect(planCopy(input({ exists: true, schemaVersion: VERSION, connectedRole: undefined, counts: none })).rows.audit_log).toHaveLength(4);
  });

  it('refuses a target with any row, naming what it holds', () => {
    const found: TargetState = { exists: true, schemaVersion: VERSION, connectedRole: undefined, counts: { ...none, operators: 1, audit_log: 1 } };
    expect(() => planCopy(input(found))).toThrow(CopyTargetNotEmptyError);
    expect(() => planCopy(input(found))).toThrow('already holds a store (operators 1, audit_log 1): nothing was copied');
  });

  it('refuses stores at different schema versions, before looking at their rows', () => {
    const found: TargetState = { exists: true, schemaVersion: '0004_policies', connectedRole: undefined, counts: { ...none, operators: 5 } };
    expect(() => planCopy(input(found))).toThrow(CopySchemaMismatchError);
    expect(() => planCopy(input(found))).toThrow('the source /stores/a.db is at schema 0005_server_roles and the target postgres://pgrole@db:5432/x (schema s) at 0004_policies');
    expect(() => planCopy(input({ ...newFile, schemaVersion: '0006_next' }))).toThrow(CopySchemaMismatchError);
  });

  it('starts the ids at 1 for a source without audit rows', () => {
    expect(planCopy(input(newFile, { source: { shown: 's', snapshot: { schemaVersion: VERSION, rows: { ...empty, operators: [operator('alice', 'superadmin')] } } } })).rows.audit_log.map((row) => row.id)).toEqual([1]);
  });
});

describe('refuseCopyOntoItself', () => {
  it('refuses one identity, whatever each is called', () => {
    expect(() => refuseCopyOntoItself({ identity: 'file:/a.db' }, { identity: 'file:/a.db', shown: './a.db' })).toThrow('the target ./a.db is the source store itself');
    expect(() => refuseCopyOntoItself({ identity: 'file:/a.db' }, { identity: 'file:/b.db', shown: '/b.db' })).not.toThrow();
  });
});
