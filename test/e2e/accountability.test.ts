// Roles and the audit trail, through the built binary: who may change images, and the record of
// who changed what and how validation ended. Real engine and registry for the validations.
import { existsSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { containersCreatedSince, DEFAULT_ACTOR, explain, jsonLines, tempCli, type Cli } from './support/cli.js';

const e2e = inject('e2e');
const pinned = (variant: keyof typeof e2e.digests) => `${e2e.registry}/acme/worker@${e2e.digests[variant]}`;
const ENGINE_DOWN = { DOCKER_HOST: 'unix:///nonexistent.sock' };
const ALICE = DEFAULT_ACTOR;
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z {2}/;

interface AuditJson {
  id: number;
  at: string;
  actor: string;
  project: string | null;
  event: string;
  from: string | null;
  to: string | null;
  detail: Record<string, unknown> | null;
}

async function historyJson(cli: Cli, ...args: string[]): Promise<AuditJson[]> {
  const r = await cli.run(['history', '--json', ...args]);
  expect(r.exitCode, explain(r)).toBe(0);
  const envelope = JSON.parse(r.stdout) as { schemaVersion: number; command: string; ok: boolean; data: { entries: AuditJson[] } };
  expect(envelope).toMatchObject({ schemaVersion: 1, command: 'history', ok: true });
  return envelope.data.entries;
}

/** alice creates the store with acme verified on good. */
async function aliceStore(): Promise<Cli> {
  const cli = await tempCli();
  const r = await aliceStoreIn(cli);
  expect(r.exitCode, explain(r)).toBe(0);
  return cli;
}
function aliceStoreIn(cli: Cli) {
  return cli.run(['set', 'acme', e2e.images.good, '--create']);
}

describe.skipIf(!e2e.engine)('accountability: roles and the audit trail', () => {
  describe('who may change images', () => {
    it('the first actor to create the store becomes its superadmin, and the log says so', async () => {
      const cli = await aliceStore();

      const list = await cli.run(['operators', 'list']);
      expect(list.exitCode, explain(list)).toBe(0);
      expect(list.lines).toEqual([expect.stringMatching(new RegExp(`^${ALICE} {2}superadmin {2}\\(granted by ${ALICE} at `))]);
      const listJson = await cli.run(['operators', 'list', '--json']);
      expect(JSON.parse(listJson.stdout)).toMatchObject({
        schemaVersion: 1,
        command: 'operators',
        ok: true,
        data: { operators: [{ actor: ALICE, role: 'superadmin', grantedBy: ALICE }] },
      });
      expect(cli.store().operators()).toEqual([expect.objectContaining({ actor: ALICE, role: 'superadmin', granted_by: ALICE })]);

      const entries = await historyJson(cli);
      const bootstrap = entries.filter((e) => e.event === 'operator_granted');
      expect(bootstrap).toEqual([
        expect.objectContaining({ actor: ALICE, project: null, from: null, to: 'superadmin', detail: { operator: ALICE, bootstrap: true } }),
      ]);
      // It is the very first entry (history is newest first).
      expect(entries.at(-1)?.event).toBe('operator_granted');
    });

    it('reading on a fresh machine creates no store and makes nobody superadmin', async () => {
      const cli = await tempCli();
      for (const args of [['list'], ['history'], ['operators', 'list'], ['defaults'], ['show', 'acme'], ['resolve', 'acme']]) {
        const r = await cli.run(args, { actor: 'mallory' });
        expect([0, 2], `${args.join(' ')}\n${explain(r)}`).toContain(r.exitCode);
      }
      expect(existsSync(cli.db)).toBe(false);
      // So the first real change still makes its author the superadmin.
      expect((await aliceStoreIn(cli)).exitCode).toBe(0);
      expect(cli.store().operators().map((o) => [o.actor, o.role])).toEqual([[ALICE, 'superadmin']]);
    });

    it('create on a fresh machine creates the store, with its creator as superadmin', async () => {
      const cli = await tempCli();
      const r = await cli.run(['create', 'beta']);
      expect(r.exitCode, explain(r)).toBe(0);
      expect(r.lines).toEqual(['beta  (global default)']);
      expect(existsSync(cli.db)).toBe(true);
      expect(cli.store().operators()).toEqual([expect.objectContaining({ actor: ALICE, role: 'superadmin' })]);
      expect(cli.store().project('beta')).toMatchObject({ worker_image: null, status: null });
    });

    it('anyone else (not an operator, or a viewer) is refused every change with exit 77, and nothing at all is persisted', async () => {
      const cli = await aliceStore();
      const d = await cli.run(['defaults', 'set', e2e.images.good]);
      expect(d.exitCode, explain(d)).toBe(0);
      const grant = await cli.run(['operators', 'grant', 'victor', '--role', 'viewer']);
      expect(grant.exitCode, explain(grant)).toBe(0);

      const attempts = [
        ['set', 'acme', e2e.images['no-git']],
        ['set', 'newproj', e2e.images.good, '--create'],
        ['clear', 'acme'],
        ['defaults', 'set', e2e.images['no-git']],
        ['defaults', 'clear'],
        ['create', 'beta', '--worker-image', e2e.images.good],
        ['create', 'beta'],
        ['update', 'acme', '--worker-image', e2e.images['no-git']],
        ['update', 'acme', '--clear-worker-image'],
        ['delete', 'acme'],
        ['delete', 'acme', '--force'],
        ['operators', 'grant', 'mallory', '--role', 'superadmin'],
        ['operators', 'revoke', ALICE],
      ];
      const before = cli.store().everything();
      const since = new Date();
      for (const actor of ['mallory', 'victor']) {
        for (const args of attempts) {
          const r = await cli.run(args, { actor });
          const what = `${actor}: cascade-image ${args.join(' ')}\n${explain(r)}`;
          expect(r.exitCode, what).toBe(77);
          expect(r.stderr, what).toContain(`forbidden: ${actor} is not a superadmin`);
          expect(r.stdout, what).toBe('');
          // Not even the audit line of a change: the change never happened.
          expect(r.stderr, what).not.toMatch(/_changed/);
        }
      }
      // --actor works like CASCADE_ACTOR.
      const flag = await cli.run(['--actor', 'mallory', 'set', 'acme', e2e.images['no-git']]);
      expect(flag.exitCode, explain(flag)).toBe(77);
      expect(flag.stderr).toContain('forbidden: mallory is not a superadmin');

      expect(cli.store().everything()).toEqual(before);
      for (const project of ['acme', 'newproj', 'beta', '(default)']) {
        expect(await containersCreatedSince(since, project), project).toEqual([]);
      }
    });

    it('a non-superadmin can still read: show, list, resolve, history (and reading changes nothing)', async () => {
      const cli = await aliceStore();
      const before = cli.store().everything();
      for (const args of [['show', 'acme'], ['list'], ['resolve', 'acme'], ['history'], ['history', 'acme'], ['defaults'], ['operators', 'list']]) {
        const r = await cli.run(args, { actor: 'mallory' });
        expect(r.exitCode, `mallory: ${args.join(' ')}\n${explain(r)}`).toBe(0);
      }
      expect((await cli.run(['show', 'acme'], { actor: 'mallory' })).lines[0]).toBe(`acme  verified → ${pinned('good')}`);
      expect((await cli.run(['resolve', 'acme'], { actor: 'mallory' })).stdout).toBe(pinned('good'));
      expect(cli.store().everything()).toEqual(before);
    });

    it('an actor who is not an operator cannot change the stored verdict through validate either', async () => {
      const cli = await aliceStore();
      const before = cli.store().everything();
      // With an engine that cannot be reached, a validate would store acme as failed and drop its pin.
      const r = await cli.run(['validate', 'acme'], { actor: 'mallory', env: ENGINE_DOWN });
      expect(r.exitCode, explain(r)).toBe(77);
      expect(r.stderr).toContain('forbidden: mallory is not an operator');
      expect(cli.store().everything()).toEqual(before);
      expect(cli.store().project('acme')).toMatchObject({ status: 'verified', digest: pinned('good') });
    });

    it('a viewer may re-validate (cron), and an engine outage does not drop a verified pin', async () => {
      const cli = await aliceStore();
      expect((await cli.run(['operators', 'grant', 'cron', '--role', 'viewer'])).exitCode).toBe(0);
      const down = await cli.run(['validate', 'acme'], { actor: 'cron', env: ENGINE_DOWN });
      expect(down.exitCode, explain(down)).toBe(69);
      expect(cli.store().project('acme')).toMatchObject({ status: 'verified', digest: pinned('good') });
      const up = await cli.run(['validate', 'acme'], { actor: 'cron' });
      expect(up.exitCode, explain(up)).toBe(0);
      expect(cli.store().project('acme')).toMatchObject({ status: 'verified', digest: pinned('good') });
      const forbidden = await cli.run(['set', 'acme', e2e.images['node-new']], { actor: 'cron' });
      expect(forbidden.exitCode).toBe(77);
    });

    it('a granted superadmin may change images; the last superadmin cannot be revoked', async () => {
      const cli = await aliceStore();
      const grant = await cli.run(['operators', 'grant', 'mallory', '--role', 'superadmin']);
      expect(grant.exitCode, explain(grant)).toBe(0);
      expect(grant.lines).toEqual(['mallory  superadmin']);
      expect(cli.store().operators()).toEqual([
        expect.objectContaining({ actor: ALICE, role: 'superadmin' }),
        expect.objectContaining({ actor: 'mallory', role: 'superadmin', granted_by: ALICE }),
      ]);
      expect(cli.store().audit().at(-1)).toMatchObject({ actor: ALICE, event: 'operator_granted', from_ref: null, to_ref: 'superadmin' });
      expect(JSON.parse(cli.store().audit().at(-1)?.detail ?? 'null')).toEqual({ operator: 'mallory' });

      const set = await cli.run(['set', 'acme', e2e.images['node-new']], { actor: 'mallory' });
      expect(set.exitCode, explain(set)).toBe(0);
      expect(set.lines).toEqual([`acme  pending  ${e2e.images['node-new']}`, `acme  verified → ${pinned('node-new')}`]);
      expect(JSON.parse(set.errLines[0] ?? 'null')).toMatchObject({ actorId: 'mallory', from: e2e.images.good, to: e2e.images['node-new'] });
      expect(cli.store().project('acme')).toMatchObject({ worker_image: e2e.images['node-new'], status: 'verified', generation: 2 });
      expect(cli.store().audit('acme').slice(-2).map((a) => [a.actor, a.event])).toEqual([
        ['mallory', 'project_worker_image_changed'],
        ['mallory', 'validation_verified'],
      ]);

      const revoke = await cli.run(['operators', 'revoke', 'mallory']);
      expect(revoke.exitCode, explain(revoke)).toBe(0);
      expect(revoke.lines).toEqual(['mallory  revoked']);
      expect(cli.store().operators().map((o) => o.actor)).toEqual([ALICE]);
      const denied = await cli.run(['set', 'acme', e2e.images.good], { actor: 'mallory' });
      expect(denied.exitCode, explain(denied)).toBe(77);

      const before = cli.store().everything();
      const last = await cli.run(['operators', 'revoke', ALICE]);
      expect(last.exitCode, explain(last)).toBe(2);
      expect(last.stderr).toMatch(new RegExp(`${ALICE} is the last superadmin`));
      const demote = await cli.run(['operators', 'grant', ALICE, '--role', 'viewer']);
      expect(demote.exitCode, explain(demote)).toBe(2);
      expect(demote.stderr).toMatch(/last superadmin/);
      expect(cli.store().everything()).toEqual(before);
    });

    it('update with both --worker-image and --clear-worker-image is a usage error (exit 2); nothing is stored', async () => {
      const cli = await aliceStore();
      const before = cli.store().everything();
      const both = await cli.run(['update', 'acme', '--worker-image', e2e.images['no-git'], '--clear-worker-image'], { env: ENGINE_DOWN });
      expect(both.exitCode, explain(both)).toBe(2);
      expect(both.stderr).toMatch(/cannot be used with/);
      const neither = await cli.run(['update', 'acme'], { env: ENGINE_DOWN });
      expect(neither.exitCode, explain(neither)).toBe(2);
      expect(neither.stderr).toMatch(/--worker-image <ref> or --clear-worker-image/);
      expect(cli.store().everything()).toEqual(before);

      // The flags on their own do work.
      const update = await cli.run(['update', 'acme', '--worker-image', e2e.images['no-git']]);
      expect(update.exitCode, explain(update)).toBe(1);
      expect(cli.store().project('acme')).toMatchObject({ worker_image: e2e.images['no-git'], status: 'failed' });
      const clear = await cli.run(['update', 'acme', '--clear-worker-image'], { env: ENGINE_DOWN });
      expect(clear.exitCode, explain(clear)).toBe(0);
      expect(cli.store().project('acme')).toMatchObject({ worker_image: null, status: null, error: null });
    });

    it('delete refuses a project that still has an image (exit 2); --force deletes it, audited as project_deleted', async () => {
      const cli = await aliceStore();
      const before = cli.store().everything();
      const refused = await cli.run(['delete', 'acme']);
      expect(refused.exitCode, explain(refused)).toBe(2);
      expect(refused.stderr).toMatch(/still has a worker image/);
      expect(refused.stderr).toMatch(/--force/);
      expect(cli.store().everything()).toEqual(before);

      const forced = await cli.run(['delete', 'acme', '--force']);
      expect(forced.exitCode, explain(forced)).toBe(0);
      expect(forced.lines).toEqual(['acme  deleted']);
      expect(cli.store().project('acme')).toBeUndefined();
      const last = cli.store().audit().at(-1);
      expect(last).toMatchObject({ actor: ALICE, project_id: 'acme', event: 'project_deleted', from_ref: e2e.images.good, to_ref: null });
      expect(JSON.parse(last?.detail ?? 'null')).toMatchObject({ force: true });
      // The project's history outlives it.
      expect((await historyJson(cli, 'acme')).map((e) => e.event)).toEqual(['project_deleted', 'validation_verified', 'project_worker_image_changed']);
      const show = await cli.run(['show', 'acme']);
      expect(show.exitCode, explain(show)).toBe(2);

      // A project without an image of its own needs no --force.
      expect((await cli.run(['create', 'beta'])).exitCode).toBe(0);
      const plain = await cli.run(['delete', 'beta']);
      expect(plain.exitCode, explain(plain)).toBe(0);
      expect(cli.store().project('beta')).toBeUndefined();
    });
  });

  describe('history', () => {
    it('shows, newest first, who changed what and how each validation ended; --json, --limit and --since', async () => {
      const cli = await aliceStore();
      expect((await cli.run(['operators', 'grant', 'bob', '--role', 'superadmin'])).exitCode).toBe(0);
      const broken = await cli.run(['set', 'acme', e2e.images['no-git']], { actor: 'bob' });
      expect(broken.exitCode, explain(broken)).toBe(1);
      const reason = cli.store().project('acme')?.error ?? '';
      expect(reason).toMatch(/git --version/);

      const h = await cli.run(['history', 'acme']);
      expect(h.exitCode, explain(h)).toBe(0);
      expect(h.lines).toHaveLength(4);
      for (const line of h.lines) expect(line).toMatch(TIMESTAMP);
      const body = h.lines.map((line) => line.replace(TIMESTAMP, ''));
      expect(body).toEqual([
        `bob  acme  validation_failed  ${e2e.images['no-git']} failed: ${reason}`,
        `bob  acme  project_worker_image_changed  ${e2e.images.good} → ${e2e.images['no-git']}`,
        `${ALICE}  acme  validation_verified  ${e2e.images.good} verified → ${pinned('good')}`,
        `${ALICE}  acme  project_worker_image_changed  created with ${e2e.images.good}`,
      ]);
      const times = h.lines.map((line) => line.slice(0, 24));
      expect([...times].sort().reverse()).toEqual(times);

      // Without a project: the operator changes too.
      const all = await cli.run(['history']);
      expect(all.lines).toHaveLength(6);
      expect(all.lines[2]).toMatch(new RegExp(`${ALICE} {2}\\(global\\) {2}operator_granted {2}bob superadmin`));
      expect(all.lines[5]).toMatch(/operator_granted .*\(created the store\)/);

      const entries = await historyJson(cli);
      expect(entries.map((e) => e.event)).toEqual([
        'validation_failed',
        'project_worker_image_changed',
        'operator_granted',
        'validation_verified',
        'project_worker_image_changed',
        'operator_granted',
      ]);
      const ids = entries.map((e) => e.id);
      expect([...ids].sort((a, b) => b - a)).toEqual(ids);
      expect(entries[0]).toMatchObject({ actor: 'bob', project: 'acme', from: e2e.images['no-git'], to: null, detail: { reason, cause: 'checks-failed' } });
      expect(entries[3]).toMatchObject({ actor: ALICE, project: 'acme', from: e2e.images.good, to: pinned('good') });

      const one = await historyJson(cli, '--limit', '1');
      expect(one).toEqual([entries[0]]);
      const recent = await historyJson(cli, '--since', '1h');
      expect(recent).toEqual(entries);
      const future = await cli.run(['history', '--since', '2999-01-01T00:00:00Z']);
      expect(future.exitCode, explain(future)).toBe(0);
      expect(future.stdout).toBe('');
      const badLimit = await cli.run(['history', '--limit', '0']);
      expect(badLimit.exitCode, explain(badLimit)).toBe(2);
      const badSince = await cli.run(['history', '--since', 'yesterday-ish']);
      expect(badSince.exitCode, explain(badSince)).toBe(2);
    });

    it('a change is audited even when its validation then fails because the engine is unreachable', async () => {
      const cli = await aliceStore();
      const r = await cli.run(['set', 'acme', e2e.images['node-new']], { env: ENGINE_DOWN });
      expect(r.exitCode, explain(r)).toBe(69);
      expect(JSON.parse(r.errLines[0] ?? 'null')).toMatchObject({ event: 'project_worker_image_changed', from: e2e.images.good, to: e2e.images['node-new'] });
      expect(cli.store().project('acme')).toMatchObject({ worker_image: e2e.images['node-new'], status: 'failed', digest: null });

      const entries = await historyJson(cli, 'acme', '--limit', '2');
      expect(entries).toEqual([
        expect.objectContaining({
          actor: ALICE,
          event: 'validation_failed',
          from: e2e.images['node-new'],
          to: null,
          detail: expect.objectContaining({ cause: 'engine-unavailable', reason: expect.stringMatching(/engine unreachable/i) }),
        }),
        expect.objectContaining({ actor: ALICE, event: 'project_worker_image_changed', from: e2e.images.good, to: e2e.images['node-new'] }),
      ]);
      const h = await cli.run(['history', 'acme', '--limit', '2']);
      expect(h.lines[0]).toMatch(/validation_failed .* failed: Docker engine unreachable/);
      expect(h.lines[1]).toMatch(/project_worker_image_changed/);
      // The JSON of the NDJSON stream agrees.
      const json = await cli.run(['set', 'acme', e2e.images.good, '--json'], { env: ENGINE_DOWN });
      expect(json.exitCode).toBe(69);
      expect(jsonLines(json).at(-1)).toMatchObject({ event: 'failed', cause: 'engine-unavailable', stored: true });
    });
  });
});
