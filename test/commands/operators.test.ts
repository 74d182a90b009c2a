import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { grantOperator, listOperators, revokeOperator, type OperatorDeps } from '../../src/commands/operators.js';
import { ForbiddenError, LastSuperadminError, NotAnOperatorError } from '../../src/errors.js';
import type { StorePort } from '../../src/ports/store.js';
import { ADMIN, memoryStore } from '../support/store.js';
import { STRANGER, VIEWER } from './support.js';

let store: StorePort;
beforeEach(async () => {
  store = await memoryStore();
});
afterEach(async () => store.close());

const as = (actor: string): OperatorDeps => ({ store: async () => store, actor });

describe('grantOperator', () => {
  it('grants a role as a superadmin, audited with the granting actor', async () => {
    const granted = await grantOperator({ operator: VIEWER, role: 'viewer' }, as(ADMIN));

    expect(granted).toMatchObject({ actor: VIEWER, role: 'viewer', grantedBy: ADMIN });
    expect(await store.roleOf(VIEWER)).toBe('viewer');
    expect((await store.audit({}))[0]).toMatchObject({ event: 'operator_granted', actor: ADMIN, project: null, from: null, to: 'viewer', detail: { operator: VIEWER } });
  });

  it('changes a role, and a promoted operator may then grant', async () => {
    await grantOperator({ operator: VIEWER, role: 'viewer' }, as(ADMIN));
    await grantOperator({ operator: VIEWER, role: 'superadmin' }, as(ADMIN));
    expect((await store.audit({}))[0]).toMatchObject({ event: 'operator_granted', actor: ADMIN, from: 'viewer', to: 'superadmin' });

    const granted = await grantOperator({ operator: 'carol', role: 'viewer' }, as(VIEWER));
    expect(granted).toMatchObject({ actor: 'carol', grantedBy: VIEWER });
  });

  it.each([
    ['a viewer', VIEWER],
    ['an unknown actor', STRANGER],
  ])('refuses %s, changing and auditing nothing', async (_who, actor) => {
    await grantOperator({ operator: VIEWER, role: 'viewer' }, as(ADMIN));
    const operatorsBefore = await store.operators();
    const auditBefore = await store.audit({});

    await expect(grantOperator({ operator: 'carol', role: 'superadmin' }, as(actor))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(grantOperator({ operator: actor, role: 'superadmin' }, as(actor))).rejects.toMatchObject({ name: 'ForbiddenError', actor, required: 'superadmin' });
    await expect(revokeOperator({ operator: ADMIN }, as(actor))).rejects.toBeInstanceOf(ForbiddenError);

    expect(await store.operators()).toEqual(operatorsBefore);
    expect(await store.audit({})).toEqual(auditBefore);
  });

  it('refuses demoting the last superadmin', async () => {
    await expect(grantOperator({ operator: ADMIN, role: 'viewer' }, as(ADMIN))).rejects.toBeInstanceOf(LastSuperadminError);
    expect(await store.roleOf(ADMIN)).toBe('superadmin');
  });
});

describe('revokeOperator', () => {
  it('revokes as a superadmin, audited with the revoking actor', async () => {
    await grantOperator({ operator: VIEWER, role: 'viewer' }, as(ADMIN));
    await revokeOperator({ operator: VIEWER }, as(ADMIN));

    expect(await store.roleOf(VIEWER)).toBeUndefined();
    expect((await store.audit({}))[0]).toMatchObject({ event: 'operator_revoked', actor: ADMIN, from: 'viewer', to: null, detail: { operator: VIEWER } });
  });

  it('revokes a superadmin while another one is left', async () => {
    await grantOperator({ operator: 'carol', role: 'superadmin' }, as(ADMIN));
    await revokeOperator({ operator: ADMIN }, as('carol'));
    expect((await store.operators()).map((record) => record.actor)).toEqual(['carol']);
  });

  it('refuses revoking the last superadmin', async () => {
    await grantOperator({ operator: VIEWER, role: 'viewer' }, as(ADMIN));
    const auditBefore = await store.audit({});
    const refusal = revokeOperator({ operator: ADMIN }, as(ADMIN));
    await expect(refusal).rejects.toBeInstanceOf(LastSuperadminError);
    await expect(refusal).rejects.toMatchObject({ actor: ADMIN, exitCode: 2 });
    expect(await store.roleOf(ADMIN)).toBe('superadmin');
    expect(await store.audit({})).toEqual(auditBefore);
  });

  it('refuses revoking someone who is not an operator', async () => {
    const refusal = revokeOperator({ operator: STRANGER }, as(ADMIN));
    await expect(refusal).rejects.toBeInstanceOf(NotAnOperatorError);
    await expect(refusal).rejects.toMatchObject({ actor: STRANGER });
  });
});

describe('listOperators', () => {
  it('lists the bootstrap superadmin and every grant, by actor', async () => {
    await grantOperator({ operator: VIEWER, role: 'viewer' }, as(ADMIN));
    expect((await listOperators({ store: async () => store })).map((record) => [record.actor, record.role, record.grantedBy])).toEqual([
      [ADMIN, 'superadmin', ADMIN],
      [VIEWER, 'viewer', ADMIN],
    ]);
  });
});
