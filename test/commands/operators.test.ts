import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { grantOperator, listOperators, revokeOperator, type OperatorDeps } from '../../src/commands/operators.js';
import { postgresLocation } from '../../src/config/store-location.js';
import { ForbiddenError, LastSuperadminError, NotAnOperatorError, UsageError } from '../../src/errors.js';
import type { StorePort } from '../../src/ports/store.js';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { adminQuery, createTestDatabase, ensureRole, postgresAvailable } from '../support/postgres.js';
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

describe.skipIf(!postgresAvailable())('operators on a PostgreSQL store: the operators are database roles', () => {
  // Cluster-wide names: a suffix of their own, so suites running at once never share a role.
  const viewer = `ci_ops_viewer_${randomBytes(3).toString('hex')}`;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let server: StorePort;
  let creator: string;

  beforeAll(async () => {
    database = await createTestDatabase('operators');
    await ensureRole(viewer, 'viewer-password');
    const location = postgresLocation(database.url(), {}, 'nobody');
    creator = location.role;
    const opened = await openPostgresStore({ location, now: () => new Date(), create: true, bootstrapActor: creator });
    if (opened === undefined) throw new Error('the PostgreSQL store was not created');
    server = opened;
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
    await adminQuery(`drop role if exists "${viewer}"`);
  });

  const onServer = (): OperatorDeps => ({ store: async () => server, actor: creator });

  it('refuses a grant to a role the server does not have, as bad input (exit 2), storing and auditing nothing', async () => {
    const before = { operators: await server.operators(), audit: await server.audit({}) };
    const refusal = grantOperator({ operator: 'no_such_role_anywhere', role: 'viewer' }, onServer());

    await expect(refusal).rejects.toBeInstanceOf(UsageError);
    await expect(refusal).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/^there is no database role no_such_role_anywhere on .+: on PostgreSQL an operator is a role that logs in$/),
      hint: expect.stringContaining('CREATE ROLE no_such_role_anywhere LOGIN'),
    });
    expect(await server.operators()).toEqual(before.operators);
    expect(await server.audit({})).toEqual(before.audit);
  });

  it('grants an existing role, lists it beside the creating role, and revokes it', async () => {
    const granted = await grantOperator({ operator: viewer, role: 'viewer' }, onServer());
    expect(granted).toMatchObject({ actor: viewer, role: 'viewer', grantedBy: creator });
    const listed = await listOperators({ store: async () => server });
    expect(Object.fromEntries(listed.map((record) => [record.actor, record.role]))).toEqual({ [creator]: 'superadmin', [viewer]: 'viewer' });

    await revokeOperator({ operator: viewer }, onServer());
    expect(await server.roleOf(viewer)).toBeUndefined();
    expect((await server.audit({})).slice(0, 2).map((entry) => [entry.event, entry.actor, entry.detail])).toEqual([
      ['operator_revoked', creator, { operator: viewer }],
      ['operator_granted', creator, { operator: viewer }],
    ]);
  });
});
