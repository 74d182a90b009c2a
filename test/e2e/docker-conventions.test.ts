// Docker's own conventions end to end, with the BUILT binary: registry credentials found the way the
// docker CLI finds them (DOCKER_CONFIG, auths, credHelpers, credsStore), a remote engine over
// TCP + mutual TLS (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, --docker-host), the JUnit
// report of `validate --junit`, and `doctor`. No secret may ever show up in output or the store.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, onTestFinished } from 'vitest';
import { authsEntry, credentialHelper, dockerConfigDir, leaksIn, secretForms, storeBytes, tempDir } from './support/auth.js';
import { BIN, containersCreatedSince, dockerOk, explain, jsonLines, leftoverContainers, tempCli, type Cli, type CliResult } from './support/cli.js';
import { pushImage, startRegistry, type Registry } from './support/registry.js';
import { startSshEngine } from './support/ssh-engine.js';
import { startTlsEngine, type TlsEngine } from './support/tls-engine.js';

const e2e = inject('e2e');
const ENGINE_DOWN = { DOCKER_HOST: 'unix:///nonexistent.sock' };
/** Project names unique to this run: the engine (and its event log) is shared with other suites. */
const RUN = randomBytes(3).toString('hex');
const name = (what: string) => `dc-${RUN}-${what}`;
const pinnedShared = (variant: keyof typeof e2e.digests) => `${e2e.registry}/acme/worker@${e2e.digests[variant]}`;

const docker = (args: string[]) => execa('docker', args, { reject: false, stdin: 'ignore', all: true });

describe.skipIf(!e2e.engine)('Docker conventions end to end', () => {
  describe('registry credentials: a private registry with htpasswd auth', () => {
    const user = 'cascade-e2e';
    // A colon inside the password: `auth` must be split at the FIRST colon only.
    const password = `pa:ss-${randomBytes(6).toString('hex')}:w0rd`;
    const secrets = secretForms(user, password);
    let registry: Registry;
    let ref: string;
    let pin: string;

    beforeAll(async () => {
      registry = await startRegistry({ htpasswd: { user, password } });
      ref = registry.ref('private/worker', 'good');
      const digest = await pushImage(e2e.local.good, ref, { auth: { user, password } });
      pin = `${registry.host}/private/worker@${digest}`;
    });

    /** Our registry's references only (the fixture's own name keeps the image). */
    const forgetLocally = async () => {
      await docker(['image', 'rm', ref]);
      await docker(['image', 'rm', pin]);
    };
    beforeEach(forgetLocally);

    afterAll(async () => {
      if (registry === undefined) return;
      await forgetLocally();
      await registry.stop();
    });

    interface CaseResult {
      cli: Cli;
      project: string;
      set: CliResult;
      env: Record<string, string>;
    }

    /** `set <project> <private ref> --create` with DOCKER_CONFIG = a fresh folder holding `config` (none if undefined). */
    async function setWith(what: string, config: Record<string, unknown> | undefined, binDir?: string): Promise<CaseResult> {
      const cli = await tempCli();
      const configDir = await dockerConfigDir(config);
      const env = { DOCKER_CONFIG: configDir, PATH: binDir === undefined ? (process.env.PATH ?? '') : `${binDir}:${process.env.PATH ?? ''}` };
      const project = name(what);
      const set = await cli.run(['set', project, ref, '--create'], { env });
      return { cli, project, set, env };
    }

    /** The password (or its base64 form) is nowhere: stdout, stderr, the store's bytes, history/show/list --json. */
    async function expectNoSecret({ cli, project, set, env }: CaseResult): Promise<void> {
      const history = await cli.run(['history', '--json'], { env });
      const show = await cli.run(['show', project, '--json'], { env });
      const list = await cli.run(['list', '--json'], { env });
      expect(history.exitCode, explain(history)).toBe(0);
      expect(show.exitCode, explain(show)).toBe(0);
      expect(
        leaksIn(secrets, {
          'set stdout': set.stdout,
          'set stderr': set.stderr,
          'history --json': history.all,
          'show --json': show.all,
          'list --json': list.all,
          'store file': await storeBytes(cli.db),
        }),
      ).toEqual([]);
      expect(await leftoverContainers(cli.store())).toEqual([]);
    }

    it('no docker config: pull denied (exit 1) with a clear reason; nothing secret anywhere', async () => {
      const c = await setWith('nocfg', undefined);
      expect(c.set.exitCode, explain(c.set)).toBe(1);
      expect(c.set.lines).toEqual([`${c.project}  pending  ${ref}`, expect.stringMatching(new RegExp(`^${c.project} {2}failed: pull denied for `))]);
      expect(c.set.lines[1]).toMatch(/authentication required|unauthorized|no basic auth credentials/i);
      expect(c.set.lines[1]).toMatch(/log in to the registry/);
      expect(c.cli.store().project(c.project)).toMatchObject({ status: 'failed', digest: null, error: expect.stringMatching(/^pull denied/) });
      await expectNoSecret(c);
    });

    it('auths with base64 user:password (password holding colons): verified, pinned to the pushed digest', async () => {
      const c = await setWith('auths', { auths: { [registry.host]: authsEntry(user, password) } });
      expect(c.set.exitCode, explain(c.set)).toBe(0);
      expect(c.set.lines).toEqual([`${c.project}  pending  ${ref}`, `${c.project}  verified → ${pin}`]);
      expect(c.cli.store().project(c.project)).toMatchObject({ status: 'verified', digest: pin });
      await expectNoSecret(c);
    });

    it('credHelpers["127.0.0.1:PORT"] names a helper on PATH: asked with the server address on stdin, verified', async () => {
      const bin = await tempDir('cascade-helpers-');
      const helper = await credentialHelper(bin, 'cascadetest', { kind: 'credentials', username: user, secret: password });
      const c = await setWith('credhelper', { credHelpers: { [registry.host]: helper.name } }, bin);
      expect(c.set.exitCode, explain(c.set)).toBe(0);
      expect(c.set.lines).toEqual([`${c.project}  pending  ${ref}`, `${c.project}  verified → ${pin}`]);
      const calls = await helper.calls();
      expect(calls.length).toBeGreaterThanOrEqual(1);
      expect(calls.every((call) => call.args === 'get' && call.stdin.trim() === registry.host), JSON.stringify(calls)).toBe(true);
      await expectNoSecret(c);
    });

    it('credsStore names the helper: verified', async () => {
      const bin = await tempDir('cascade-helpers-');
      const helper = await credentialHelper(bin, 'cascadetest', { kind: 'credentials', username: user, secret: password });
      const c = await setWith('credsstore', { credsStore: helper.name }, bin);
      expect(c.set.exitCode, explain(c.set)).toBe(0);
      expect(c.set.lines).toEqual([`${c.project}  pending  ${ref}`, `${c.project}  verified → ${pin}`]);
      expect((await helper.calls()).map((call) => call.stdin.trim())).toContain(registry.host);
      await expectNoSecret(c);
    });

    it('a helper that holds nothing ("credentials not found in native keychain"): anonymous, so pull denied with a clear reason', async () => {
      const bin = await tempDir('cascade-helpers-');
      const helper = await credentialHelper(bin, 'cascadenone', { kind: 'not-found' });
      // An auths entry does not rescue it: like the docker CLI, the configured helper wins, no fallback.
      const c = await setWith('notfound', { credsStore: helper.name, auths: { [registry.host]: authsEntry(user, password) } }, bin);
      expect(c.set.exitCode, explain(c.set)).toBe(1);
      expect(c.set.lines[1]).toMatch(new RegExp(`^${c.project} {2}failed: pull denied for ${ref.replace(/[.]/g, '\\.')}`));
      expect(c.set.lines[1]).toMatch(/authentication required|unauthorized|no basic auth credentials/i);
      expect((await helper.calls()).map((call) => call.stdin.trim())).toContain(registry.host);
      // The config file holds the secret on purpose; nothing the tool writes or prints may.
      await expectNoSecret(c);
    });

    it('doctor --registry names the credential source and the registry answer, never the secret; exit 0', async () => {
      const bin = await tempDir('cascade-helpers-');
      const helper = await credentialHelper(bin, 'cascadetest', { kind: 'credentials', username: user, secret: password });
      const cli = await tempCli();
      const env = { DOCKER_CONFIG: await dockerConfigDir({ credHelpers: { [registry.host]: helper.name } }), PATH: `${bin}:${process.env.PATH ?? ''}` };
      const r = await cli.run(['doctor', '--registry', registry.host], { env });
      expect(r.exitCode, explain(r)).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^ok {2}credentials ${registry.host.replace(/[.]/g, '\\.')} {2}credential helper docker-credential-cascadetest \\(user ${user}\\)$`, 'm'));
      expect(r.stdout).toMatch(new RegExp(`^ok {2}registry ${registry.host.replace(/[.]/g, '\\.')} {2}http://${registry.host.replace(/[.]/g, '\\.')}/v2/ answered HTTP 401`, 'm'));
      expect(r.stdout).toMatch(/^ok {2}engine {2}/m);
      const json = await cli.run(['doctor', '--registry', registry.host, '--json'], { env });
      expect(json.exitCode, explain(json)).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, data: { ok: true } });

      const auths = await cli.run(['doctor', '--registry', registry.host], {
        env: { DOCKER_CONFIG: await dockerConfigDir({ auths: { [registry.host]: authsEntry(user, password) } }) },
      });
      expect(auths.exitCode, explain(auths)).toBe(0);
      expect(auths.stdout).toMatch(new RegExp(`credentials ${registry.host.replace(/[.]/g, '\\.')} {2}auths in .*config\\.json \\(user ${user}\\)`));
      expect(leaksIn(secrets, { 'doctor helper': r.all, 'doctor --json': json.all, 'doctor auths': auths.all })).toEqual([]);
      // doctor reads; it never creates the store.
      expect(cli.store().exists).toBe(false);
    });
  });

  describe('a remote engine over TCP with mutual TLS', () => {
    let engine: TlsEngine | undefined;

    beforeAll(async () => {
      engine = await startTlsEngine();
      if (engine.kind === 'proxy') console.warn(`[e2e] TLS engine: proxy in front of the main engine, because: ${engine.fallbackReason}`);
    }, 180_000);
    afterAll(async () => {
      await engine?.stop();
    }, 120_000);

    const tls = () => {
      if (engine === undefined) throw new Error('TLS engine not started');
      return engine;
    };

    it('DOCKER_HOST=tcp://… + DOCKER_TLS_VERIFY + DOCKER_CERT_PATH: set pulls, pins and smoke-tests through THAT engine', async () => {
      const engine = tls();
      const cli = await tempCli();
      const project = name('tls');
      const since = new Date();
      if (engine.kind === 'dockerd') {
        const before = await engine.docker(['image', 'inspect', pinnedShared('good')]);
        expect(before.exitCode, 'the second daemon starts without the image').not.toBe(0);
      }
      const r = await cli.run(['set', project, e2e.images.good, '--create'], { env: engine.env });
      expect(r.exitCode, `${explain(r)}\n--- engine log\n${engine.log()}`).toBe(0);
      expect(r.lines).toEqual([`${project}  pending  ${e2e.images.good}`, `${project}  verified → ${pinnedShared('good')}`]);
      expect(cli.store().project(project)).toMatchObject({ status: 'verified', digest: pinnedShared('good') });

      if (engine.kind === 'dockerd') {
        // The image is now in the second daemon, and the main daemon never ran a container for this project.
        const after = await engine.docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', pinnedShared('good')]);
        expect(after.exitCode, after.all).toBe(0);
        expect(JSON.parse(after.stdout) as string[]).toContain(pinnedShared('good'));
        expect(await containersCreatedSince(since, project)).toEqual([]);
        // …and left nothing behind there either.
        const left = await engine.docker(['ps', '-a', '-q', '--filter', `label=io.cascade-image.project=${project}`]);
        expect(left.exitCode, left.all).toBe(0);
        expect(left.stdout.trim()).toBe('');
      } else {
        expect(engine.connections()).toBeGreaterThan(0);
      }
    });

    it('--docker-host tcp://… overrides DOCKER_HOST', async () => {
      const engine = tls();
      const cli = await tempCli();
      const project = name('override');
      const connectionsBefore = engine.connections();
      const r = await cli.run(['--docker-host', engine.url, 'set', project, e2e.images.good, '--create'], {
        env: { ...engine.env, ...ENGINE_DOWN },
      });
      expect(r.exitCode, explain(r)).toBe(0);
      expect(r.lines).toEqual([`${project}  pending  ${e2e.images.good}`, `${project}  verified → ${pinnedShared('good')}`]);
      if (engine.kind === 'proxy') expect(engine.connections()).toBeGreaterThan(connectionsBefore);
    });

    it('--docker-host unix://… overrides a tcp:// DOCKER_HOST (and its TLS settings) too', async () => {
      const engine = tls();
      const cli = await tempCli();
      const project = name('override-unix');
      expect((await cli.run(['set', project, e2e.images.good, '--create', '--no-validate'])).exitCode).toBe(0);
      // The flag points at no engine; DOCKER_HOST at a working one. The flag must win: unreachable, exit 69.
      const down = await cli.run(['--docker-host', ENGINE_DOWN.DOCKER_HOST, 'validate', project], { env: engine.env });
      expect(down.lines[0], explain(down)).toMatch(new RegExp(`^${project} {2}failed: Docker engine unreachable at unix:///nonexistent\\.sock`));
      expect(down.exitCode, explain(down)).toBe(69);
      expect(cli.store().project(project)).toMatchObject({ status: 'failed', digest: null });
      // Same for doctor: it reports the flag's endpoint, and must not have talked to DOCKER_HOST's.
      const doctor = await cli.run(['--docker-host', ENGINE_DOWN.DOCKER_HOST, 'doctor'], { env: engine.env });
      expect(doctor.stdout, explain(doctor)).toMatch(/^problem {2}engine {2}unix:\/\/\/nonexistent\.sock does not answer/m);
      expect(doctor.stdout).not.toContain(engine.url.replace('tcp://', ''));
    });

    it('DOCKER_TLS_VERIFY with the wrong CA: failed, engine unreachable, exit 69; stored failed, never left pending', async () => {
      const engine = tls();
      const cli = await tempCli();
      const project = name('wrongca');
      const r = await cli.run(['set', project, e2e.images.good, '--create'], { env: { ...engine.env, DOCKER_CERT_PATH: engine.material.wrongCaDir } });
      expect(r.lines[0]).toBe(`${project}  pending  ${e2e.images.good}`);
      expect(r.lines[1], explain(r)).toMatch(new RegExp(`^${project} {2}failed: Docker engine unreachable at ${engine.url.replace(/[.]/g, '\\.')}`));
      expect(r.exitCode, explain(r)).toBe(69);
      expect(cli.store().project(project)).toMatchObject({ status: 'failed', digest: null, error: expect.stringMatching(/engine unreachable/i) });
      expect(cli.store().runs(project)).toEqual([expect.objectContaining({ outcome: 'failed', finished_at: expect.any(String) })]);
    });

    it('doctor shows the TCP endpoint and the engine version; with the wrong CA it reports a problem and a fix', async () => {
      const engine = tls();
      const cli = await tempCli();
      const version = (await engine.docker(['version', '--format', '{{.Server.Version}} {{.Server.APIVersion}}'])).stdout.trim().split(' ');
      const r = await cli.run(['doctor'], { env: engine.env });
      expect(r.exitCode, explain(r)).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^ok {2}engine {2}${engine.url.replace(/[.]/g, '\\.')} answers: Docker ${(version[0] ?? '?').replace(/[.+]/g, '\\$&')} \\(API ${(version[1] ?? '?').replace(/[.]/g, '\\.')}`, 'm'));

      const bad = await cli.run(['doctor'], { env: { ...engine.env, DOCKER_CERT_PATH: engine.material.wrongCaDir } });
      expect(bad.exitCode, explain(bad)).not.toBe(0);
      expect(bad.stdout).toMatch(new RegExp(`^problem {2}engine {2}${engine.url.replace(/[.]/g, '\\.')} does not answer`, 'm'));
      expect(bad.stdout).toMatch(/^ {2}fix: /m);
    });
  });

  describe('validate --junit', () => {
    it('one testsuite per project (name, tests, failures), one testcase per check, the failing check’s output inside <failure>', async () => {
      const cli = await tempCli();
      const ok = name('junit-ok');
      const bad = name('junit-bad');
      expect((await cli.run(['set', ok, e2e.images.good, '--create', '--no-validate'])).exitCode).toBe(0);
      expect((await cli.run(['set', bad, e2e.images['no-git'], '--create', '--no-validate'])).exitCode).toBe(0);
      const file = path.join(cli.dir, 'reports', 'junit.xml');
      const r = await cli.run(['validate', ok, bad, '--junit', file]);
      expect(r.exitCode, explain(r)).toBe(1);
      expect(r.stderr).toContain(`JUnit report written to ${file}`);

      const xml = await fsp.readFile(file, 'utf8');
      const root = parseXml(xml);
      expect(root.name).toBe('testsuites');
      const suites = root.children.filter((c) => c.name === 'testsuite');
      expect(suites.map((s) => s.attrs.name)).toEqual([ok, bad]);
      const checks = ['cascade-tools --version', 'node --version', 'git --version', 'engine CLI (claude|codex|opencode)', 'python --version', '@playwright/test package'];
      for (const suite of suites) {
        const cases = suite.children.filter((c) => c.name === 'testcase');
        expect(cases.map((c) => c.attrs.name)).toEqual(checks);
        expect(cases.every((c) => c.attrs.classname === suite.attrs.name)).toBe(true);
        expect(Number(suite.attrs.tests)).toBe(cases.length);
        expect(Number(suite.attrs.failures)).toBe(cases.filter((c) => c.children.some((x) => x.name === 'failure')).length);
      }
      const [okSuite, badSuite] = suites;
      expect(okSuite?.attrs).toMatchObject({ tests: '6', failures: '0' });
      expect(badSuite?.attrs).toMatchObject({ tests: '6', failures: '1' });
      const failing = badSuite?.children.filter((c) => c.name === 'testcase' && c.children.some((x) => x.name === 'failure')) ?? [];
      expect(failing.map((c) => c.attrs.name)).toEqual(['git --version']);
      const failure = failing[0]?.children.find((x) => x.name === 'failure');
      expect(failure?.attrs.type).toBe('hard');
      expect(failure?.text).toMatch(/git: command not found/);
      expect(root.attrs).toMatchObject({ tests: '12', failures: '1' });
    });
  });

  describe('doctor', () => {
    it('engine unreachable: non-zero, the endpoint, and a fix line', async () => {
      const cli = await tempCli();
      const r = await cli.run(['doctor'], { env: ENGINE_DOWN });
      expect(r.exitCode, explain(r)).not.toBe(0);
      expect(r.stdout).toMatch(/^problem {2}engine {2}unix:\/\/\/nonexistent\.sock does not answer/m);
      expect(r.stdout).toMatch(/^ {2}fix: .*(dockerd|DOCKER_HOST)/m);
      const json = await cli.run(['doctor', '--json'], { env: ENGINE_DOWN });
      expect(json.exitCode).toBe(r.exitCode);
      const envelope = jsonLines(json)[0] as { data?: { ok?: boolean; checks?: Array<{ name: string; ok: boolean; fix: string | null }> } };
      expect(envelope.data?.ok).toBe(false);
      expect(envelope.data?.checks?.find((c) => c.name === 'engine')).toMatchObject({ ok: false, fix: expect.any(String) });
      expect(cli.store().exists).toBe(false);
    });

    // Permission bits cannot make a path unwritable for root (the suite runs as root), and no
    // read-only filesystem of our own is mounted; a store path running THROUGH a regular file cannot
    // be created by anyone, root included.
    it('store path that cannot be created (a folder on its path is a regular file): a problem with a fix, non-zero', async () => {
      const cli = await tempCli();
      const blocker = path.join(cli.dir, 'not-a-folder');
      await fsp.writeFile(blocker, 'a file where the store folder should be\n');
      const db = path.join(blocker, 'store', 'cascade-image.db');
      const r = await cli.run(['--db', db, 'doctor']);
      expect(r.stdout, explain(r)).toMatch(new RegExp(`^problem {2}store {2}${db.replace(/[.]/g, '\\.')}`, 'm'));
      expect(r.stdout).toMatch(/^ {2}fix: .*(--db|CASCADE_IMAGE_DB)/m);
      expect(r.exitCode, explain(r)).not.toBe(0);
      // What doctor warns about is real: a command that needs the store cannot create it.
      const create = await cli.run(['--db', db, 'create', name('nostore')]);
      expect(create.exitCode, explain(create)).toBe(69);
    });
  });

  describe('progress on a terminal', () => {
    // `script` gives the CLI a real pseudo-terminal; CI is removed from its environment, since
    // under CI=true the CLI deliberately prints plain lifecycle lines only.
    const onTerminal = async (cli: Cli, args: readonly string[], { sized = true, env: extra = {} as Record<string, string> } = {}) => {
      // A pty from `script` has no size; a real terminal has one (a sizeless one gets plain lines).
      const words = ['node', BIN, ...args].map((word) => `'${word.replaceAll("'", `'\\''`)}'`).join(' ');
      const command = sized ? `stty cols 120 rows 40; ${words}` : words;
      const env: Record<string, string> = {};
      for (const [key, value] of Object.entries(process.env)) if (value !== undefined && key !== 'CI') env[key] = value;
      return execa('script', ['-qefc', command, '/dev/null'], {
        env: { ...env, CASCADE_IMAGE_DB: cli.db, CASCADE_ACTOR: 'alice', TERM: 'xterm', NO_COLOR: '1', ...extra },
        extendEnv: false,
        reject: false,
        stdin: 'ignore',
        timeout: 120_000,
        maxBuffer: 4 * 1024 * 1024,
      });
    };

    it('colours its lines on a terminal, and never with NO_COLOR, --no-color, --json or through a pipe', async () => {
      const cli = await tempCli();
      const created = await cli.run(['create', name('tint'), '--worker-image', e2e.images.good, '--no-validate']);
      expect(created.exitCode, explain(created)).toBe(0);
      const YELLOW_PENDING = '\u001b[33mpending\u001b[39m';
      const coloured = await onTerminal(cli, ['list'], { env: { NO_COLOR: '' } });
      expect(coloured.stdout).toContain(`${name('tint')}  ${YELLOW_PENDING}  ${e2e.images.good}`);
      for (const [args, env] of [
        [['list'], { NO_COLOR: '1' }],
        [['--no-color', 'list'], { NO_COLOR: '' }],
        [['list', '--json'], { NO_COLOR: '' }],
        [['list'], { NO_COLOR: '', TERM: 'dumb' }],
      ] as const) {
        const plain = await onTerminal(cli, args, { env });
        expect(plain.stdout, args.join(' ')).toContain(name('tint'));
        expect(plain.stdout, args.join(' ')).not.toContain('\u001b[');
      }
      const piped = await cli.run(['list'], { env: { NO_COLOR: undefined } });
      expect(piped.stdout).toContain(`${name('tint')}  pending  ${e2e.images.good}`);
    });

    it('on a sizeless pty (no columns) it prints plain lines and finishes', async () => {
      const cli = await tempCli();
      const bare = await onTerminal(cli, ['set', name('bare'), e2e.images.hang, '--create', '--timeout', '2s'], { sized: false });
      expect(bare.timedOut).toBe(false);
      expect(bare.stdout).toContain(`${name('bare')}  failed: smoke-test timed out after 2s`);
      expect(bare.stdout).not.toContain('smoke-test running');
    });

    it('draws a pull bar and a smoke-test spinner on a TTY, and only lifecycle lines with --quiet', async () => {
      const cli = await tempCli();
      const shown = await onTerminal(cli, ['set', name('tty'), e2e.images.hang, '--create', '--timeout', '2s']);
      expect(shown.stdout).toContain(`${name('tty')}: pulling`);
      expect(shown.stdout).toMatch(/layers/);
      expect(shown.stdout).toContain('smoke-test running in a one-shot container');
      expect(shown.stdout).toContain(`${name('tty')}  failed: smoke-test timed out after 2s`);

      const quiet = await onTerminal(cli, ['--quiet', 'set', name('tty'), e2e.images.good]);
      expect(quiet.stdout).not.toContain('pulling');
      expect(quiet.stdout).not.toContain('smoke-test running');
      expect(quiet.stdout).toContain(`${name('tty')}  verified → ${pinnedShared('good')}`);
    });
  });

  describe('a remote engine over ssh://', () => {
    const sshd = process.getuid?.() === 0 && existsSync('/usr/sbin/sshd');
    // .ci/engine.sh installs openssh-server; in CI a missing sshd is a failure, not a skip.
    it.skipIf(!sshd && process.env.CI !== 'true')('DOCKER_HOST=ssh://user@host runs the engine through ssh, with the key ssh would use', async () => {
      const engine = await startSshEngine();
      onTestFinished(() => engine.stop());
      const cli = await tempCli();
      const env = { DOCKER_HOST: engine.dockerHost, HOME: engine.home };
      const doctor = await cli.run(['doctor'], { env });
      expect(doctor.exitCode, explain(doctor)).toBe(0);
      expect(doctor.lines[0]).toMatch(new RegExp(`^ok  engine  ${engine.dockerHost} answers: Docker `));
      const set = await cli.run(['set', name('ssh'), e2e.images.good, '--create'], { env });
      expect(set.exitCode, explain(set)).toBe(0);
      expect(set.lines).toEqual([`${name('ssh')}  pending  ${e2e.images.good}`, `${name('ssh')}  verified → ${pinnedShared('good')}`]);
      expect(set.stderr).not.toMatch(/DeprecationWarning/);
    });
  });
  it('no container of ours from this file is left running', async () => {
    const r = await dockerOk(['ps', '-a', '-q', '--filter', 'label=io.cascade-image.managed=true', '--format', '{{.Label "io.cascade-image.project"}}']);
    expect(r.split('\n').filter((p) => p.startsWith(`dc-${RUN}-`))).toEqual([]);
  });
});

// --- a tiny XML reader: enough to prove well-formedness (balanced, properly nested tags) -----------

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

function decodeEntities(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#(\d+)|#x([0-9a-fA-F]+));/g, (_, name: string, dec?: string, hex?: string) => {
    if (dec !== undefined) return String.fromCodePoint(Number(dec));
    if (hex !== undefined) return String.fromCodePoint(parseInt(hex, 16));
    return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[name] ?? '';
  });
}

/** Parses the document or throws on anything unbalanced, misnested, or a stray `<` / `&`. */
function parseXml(xml: string): XmlElement {
  const body = xml.replace(/^\uFEFF?<\?xml[^?]*\?>\s*/, '');
  const token = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let m: RegExpExecArray | null;
  let position = 0;
  while (position < body.length && (m = token.exec(body)) !== null) {
    position = token.lastIndex;
    const [, closing, tag, rawAttrs, selfClosing, text] = m;
    if (text !== undefined) {
      if (/&(?!(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(text)) throw new Error(`unescaped & in text: ${text.slice(0, 80)}`);
      if (stack.length === 0) {
        if (text.trim() !== '') throw new Error(`text outside the root element: ${text.slice(0, 80)}`);
        continue;
      }
      stack[stack.length - 1]!.text += decodeEntities(text);
      continue;
    }
    if (closing === '/') {
      const open = stack.pop();
      if (open?.name !== tag) throw new Error(`</${tag}> closes <${open?.name ?? 'nothing'}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of (rawAttrs ?? '').matchAll(/([\w:.-]+)="([^"]*)"/g)) {
      if (a[1]! in attrs) throw new Error(`duplicate attribute ${a[1]} on <${tag}>`);
      attrs[a[1]!] = decodeEntities(a[2]!);
    }
    const element: XmlElement = { name: tag!, attrs, children: [], text: '' };
    if (stack.length === 0) {
      if (root !== undefined) throw new Error('more than one root element');
      root = element;
    } else stack[stack.length - 1]!.children.push(element);
    if (selfClosing !== '/') stack.push(element);
  }
  if (position < body.length) throw new Error(`not well-formed at offset ${position}: ${body.slice(position, position + 80)}`);
  if (stack.length > 0) throw new Error(`unclosed <${stack.map((e) => e.name).join('> <')}>`);
  if (root === undefined) throw new Error('no root element');
  return root;
}
