import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { execa } from 'execa';

export interface RegistryAuth {
  user: string;
  password: string;
}

export interface StartRegistryOptions {
  /** Protect the registry with htpasswd (bcrypt) basic auth for this one user. */
  htpasswd?: RegistryAuth;
}

/** Manifest media types we accept when asking the registry for a tag's digest. */
export const MANIFEST_ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

export interface Registry {
  /** `127.0.0.1:PORT` — prefix image references with it. Docker trusts loopback registries without TLS. */
  host: string;
  port: number;
  /** Credentials when started with `htpasswd`; the helpers below use them automatically. */
  auth: RegistryAuth | undefined;
  /** Temp dir holding config.yml, htpasswd, data/ and registry.log (removed by stop()). */
  dir: string;
  logFile: string;
  /** `<host>/<repo>:<tag>` */
  ref(repo: string, tag: string): string;
  /** The registry's `Docker-Content-Digest` for repo:tag (HEAD /v2/<repo>/manifests/<tag>), or null on 404. */
  manifestDigest(repo: string, tag: string): Promise<string | null>;
  /** See deleteManifestAt: the manifest repo:tag points at (and its config blob) vanish. Returns the digest. */
  deleteManifest(repo: string, tag: string, opts?: DeleteManifestOptions): Promise<string>;
  /** Alias of deleteManifest, for "the image vanished from the registry" tests. */
  deleteTag(repo: string, tag: string, opts?: DeleteManifestOptions): Promise<string>;
  /** Kills the registry and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** A loopback TCP port nobody listens on right now. */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function basicAuth(auth: RegistryAuth | undefined): Record<string, string> {
  return auth ? { Authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}` } : {};
}

function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function configYaml(dir: string, port: number, htpasswdFile: string | undefined): string {
  return [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${path.join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '  secret: cascade-e2e-not-a-secret',
    'health:',
    '  storagedriver:',
    '    enabled: false',
    ...(htpasswdFile ? ['auth:', '  htpasswd:', '    realm: cascade-e2e', `    path: ${htpasswdFile}`] : []),
    '',
  ].join('\n');
}

/** `HEAD http://<host>/v2/<repo>/manifests/<tag>` → its `Docker-Content-Digest`, or null on 404. */
export async function manifestDigestAt(host: string, repo: string, tag: string, auth?: RegistryAuth): Promise<string | null> {
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { Accept: MANIFEST_ACCEPT, ...basicAuth(auth) },
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`HEAD ${host}/v2/${repo}/manifests/${tag}: HTTP ${res.status}`);
  const digest = res.headers.get('docker-content-digest');
  if (!digest) throw new Error(`HEAD ${host}/v2/${repo}/manifests/${tag}: no Docker-Content-Digest header`);
  return digest;
}

export interface DeleteManifestOptions {
  /**
   * Keep the image's config blob. By default it is deleted too, because Docker 20.10+ caches
   * manifests by digest in its content store: a pull BY DIGEST of a deleted manifest can still
   * succeed while the config and layer blobs remain in the registry. (Layers are left alone:
   * sibling tags in the same repository share them.)
   */
  keepConfigBlob?: boolean;
}

/**
 * Makes repo:tag vanish: DELETE of the manifest by digest (so every tag on it goes), plus its
 * config blob unless `keepConfigBlob`. Returns the manifest digest.
 */
export async function deleteManifestAt(
  host: string,
  repo: string,
  tag: string,
  auth?: RegistryAuth,
  opts: DeleteManifestOptions = {},
): Promise<string> {
  const digest = await manifestDigestAt(host, repo, tag, auth);
  if (!digest) throw new Error(`${host}/${repo}:${tag} does not exist`);
  let configDigest: string | undefined;
  if (!opts.keepConfigBlob) {
    const res = await fetch(`http://${host}/v2/${repo}/manifests/${digest}`, {
      headers: { Accept: MANIFEST_ACCEPT, ...basicAuth(auth) },
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`GET ${host}/v2/${repo}/manifests/${digest}: HTTP ${res.status}`);
    const manifest = (await res.json()) as { config?: { digest?: string } };
    configDigest = manifest.config?.digest;
  }
  const del = async (kind: 'manifests' | 'blobs', d: string) => {
    const res = await fetch(`http://${host}/v2/${repo}/${kind}/${d}`, {
      method: 'DELETE',
      headers: basicAuth(auth),
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    if (res.status !== 202) throw new Error(`DELETE ${host}/v2/${repo}/${kind}/${d}: HTTP ${res.status}`);
  };
  await del('manifests', digest);
  if (configDigest) await del('blobs', configDigest);
  return digest;
}

/**
 * Starts a throwaway `docker-registry serve` on a free 127.0.0.1 port, storage in a temp dir,
 * deletes enabled, optional htpasswd auth. Its output goes to `<dir>/registry.log`, never to the
 * test's stdio. Resolves once `GET /v2/` answers (200, or 401 with auth).
 */
export async function startRegistry(opts: StartRegistryOptions = {}): Promise<Registry> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cascade-registry-'));
  let htpasswdFile: string | undefined;
  if (opts.htpasswd) {
    const { stdout } = await execa('htpasswd', ['-Bbn', opts.htpasswd.user, opts.htpasswd.password], { stdin: 'ignore' });
    htpasswdFile = path.join(dir, 'htpasswd');
    await fsp.writeFile(htpasswdFile, `${stdout.trim()}\n`, { mode: 0o600 });
  }
  const logFile = path.join(dir, 'registry.log');
  const auth = opts.htpasswd;

  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeLoopbackPort();
    const cfg = path.join(dir, 'config.yml');
    await fsp.writeFile(cfg, configYaml(dir, port, htpasswdFile));
    // node's spawn rather than execa here: the log file's descriptor goes straight to the child
    // (execa's types only take literal fd numbers), so nothing of the test's stdio is shared.
    const fd = fs.openSync(logFile, 'a');
    const proc = spawn('docker-registry', ['serve', cfg], { stdio: ['ignore', fd, fd] });
    fs.closeSync(fd); // the child has its own copy
    let exited = false;
    // Never outlive the test process (vitest main process or worker).
    const killOnExit = () => proc.kill('SIGKILL');
    process.once('exit', killOnExit);
    const done = new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.once('error', (e) => {
        fs.appendFileSync(logFile, `spawn docker-registry: ${e.message}\n`);
        resolve();
      });
    }).then(() => {
      exited = true;
      process.off('exit', killOnExit);
    });

    const host = `127.0.0.1:${port}`;
    const deadline = Date.now() + 15_000;
    let up = false;
    while (!exited && Date.now() < deadline) {
      try {
        const res = await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(1_000) });
        await res.arrayBuffer();
        if (res.status === 200 || res.status === 401) {
          up = true;
          break;
        }
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!up) {
      proc.kill('SIGKILL');
      await done;
      lastError = `docker-registry on ${host} ${exited ? 'exited' : 'did not answer GET /v2/ within 15 s'}:\n${tail(logFile)}`;
      if (/address already in use/i.test(lastError)) continue; // lost the port race: try another
      break;
    }

    let stopped = false;
    const registry: Registry = {
      host,
      port,
      auth,
      dir,
      logFile,
      ref: (repo, tag) => `${host}/${repo}:${tag}`,
      manifestDigest: (repo, tag) => manifestDigestAt(host, repo, tag, auth),
      deleteManifest: (repo, tag, o) => deleteManifestAt(host, repo, tag, auth, o),
      deleteTag: (repo, tag, o) => deleteManifestAt(host, repo, tag, auth, o),
      async stop() {
        if (stopped) return;
        stopped = true;
        if (!exited) {
          proc.kill('SIGTERM');
          const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
          await done;
          clearTimeout(timer);
        }
        await fsp.rm(dir, { recursive: true, force: true });
      },
    };
    return registry;
  }
  await fsp.rm(dir, { recursive: true, force: true });
  throw new Error(lastError || 'docker-registry did not start');
}

export interface DockerAuthOptions {
  /** Credentials for the registry in the reference (logged in through a throwaway DOCKER_CONFIG). */
  auth?: RegistryAuth | undefined;
}

function registryHostOf(ref: string): string {
  const first = ref.split('/')[0] ?? '';
  if (!first.includes('.') && !first.includes(':') && first !== 'localhost') {
    throw new Error(`${ref}: no registry host in the reference`);
  }
  return first;
}

/** Runs docker commands with a throwaway client config logged in to `host` (never touches ~/.docker). */
async function withLogin<T>(host: string, auth: RegistryAuth | undefined, fn: (configArgs: string[]) => Promise<T>): Promise<T> {
  if (!auth) return fn([]);
  const cfgDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cascade-docker-config-'));
  try {
    await execa('docker', ['--config', cfgDir, 'login', '--username', auth.user, '--password-stdin', host], {
      input: auth.password,
    });
    return await fn(['--config', cfgDir]);
  } finally {
    await fsp.rm(cfgDir, { recursive: true, force: true });
  }
}

/**
 * `docker tag localName registryRef` + `docker push registryRef` (quiet). Resolves to the
 * pushed manifest digest (from the image's RepoDigests).
 */
export async function pushImage(localName: string, registryRef: string, opts: DockerAuthOptions = {}): Promise<string> {
  const host = registryHostOf(registryRef);
  await execa('docker', ['tag', localName, registryRef], { stdin: 'ignore' });
  await withLogin(host, opts.auth, (cfg) => execa('docker', [...cfg, 'push', '--quiet', registryRef], { stdin: 'ignore' }));
  const repo = registryRef.replace(/@.*$/, '').replace(/:[^/:]+$/, '');
  const { stdout } = await execa('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', registryRef]);
  const digests = JSON.parse(stdout) as string[];
  const mine = digests.find((d) => d.startsWith(`${repo}@`));
  if (!mine) throw new Error(`pushed ${registryRef} but its RepoDigests lack ${repo}@…: ${stdout}`);
  return mine.slice(repo.length + 1);
}

/** `docker pull ref` (quiet), with optional credentials. */
export async function pullImage(ref: string, opts: DockerAuthOptions = {}): Promise<void> {
  await withLogin(registryHostOf(ref), opts.auth, (cfg) => execa('docker', [...cfg, 'pull', '--quiet', ref], { stdin: 'ignore' }));
}
