// A Docker engine reachable over TCP with mutual TLS, for the DOCKER_HOST / DOCKER_TLS_VERIFY /
// DOCKER_CERT_PATH tests. Preferred: a SECOND dockerd of its own (data root, exec root, pidfile,
// managed containerd, a bridge of its own, no iptables) listening only on tcp://127.0.0.1:PORT, which cannot
// disturb the shared main daemon. Fallback when a second daemon cannot run here: a TLS-terminating
// proxy in this process (client certificate required) piping to the main engine's socket.
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { execa } from 'execa';
import { freeLoopbackPort } from './registry.js';

export interface TlsMaterial {
  readonly dir: string;
  /** DOCKER_CERT_PATH for a client that trusts the engine: ca.pem, cert.pem, key.pem. */
  readonly clientDir: string;
  /** Same client certificate, but ca.pem is ANOTHER CA: the engine's certificate must be refused. */
  readonly wrongCaDir: string;
  readonly caPem: string;
  readonly serverCertPem: string;
  readonly serverKeyPem: string;
}

async function openssl(cwd: string, args: string[]): Promise<void> {
  const r = await execa('openssl', args, { cwd, reject: false, stdin: 'ignore', all: true });
  if (r.exitCode !== 0) throw new Error(`openssl ${args.join(' ')} failed:\n${r.all}`);
}

/** A CA, a server certificate for IP 127.0.0.1 and a client certificate, made with openssl in `dir`. */
export async function makeTlsMaterial(dir: string): Promise<TlsMaterial> {
  const ca = async (name: string) => {
    await openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`]);
  };
  await ca('ca');
  await ca('other-ca');
  await fsp.writeFile(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  await fsp.writeFile(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [who, cn] of [
    ['server', '127.0.0.1'],
    ['client', 'cascade-e2e-client'],
  ] as const) {
    await openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${who}-key.pem`, '-out', `${who}.csr`, '-subj', `/CN=${cn}`]);
    await openssl(dir, [
      'x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial',
      '-out', `${who}-cert.pem`, '-days', '2', '-extfile', `${who}.ext`,
    ]);
  }
  const read = (file: string) => fsp.readFile(path.join(dir, file), 'utf8');
  const clientDir = path.join(dir, 'client');
  const wrongCaDir = path.join(dir, 'wrong-ca');
  for (const [target, caFile] of [
    [clientDir, 'ca.pem'],
    [wrongCaDir, 'other-ca.pem'],
  ] as const) {
    await fsp.mkdir(target, { mode: 0o700 });
    await fsp.copyFile(path.join(dir, caFile), path.join(target, 'ca.pem'));
    await fsp.copyFile(path.join(dir, 'client-cert.pem'), path.join(target, 'cert.pem'));
    await fsp.copyFile(path.join(dir, 'client-key.pem'), path.join(target, 'key.pem'));
  }
  return {
    dir,
    clientDir,
    wrongCaDir,
    caPem: await read('ca.pem'),
    serverCertPem: await read('server-cert.pem'),
    serverKeyPem: await read('server-key.pem'),
  };
}

export interface TlsEngine {
  /** 'dockerd': a second daemon of our own; 'proxy': TLS proxy in front of the main engine. */
  readonly kind: 'dockerd' | 'proxy';
  /** Why the second daemon was not used (kind 'proxy' only). */
  readonly fallbackReason: string | undefined;
  /** `tcp://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  readonly material: TlsMaterial;
  /** DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH for a client that trusts the engine. */
  readonly env: Record<string, string>;
  /** TLS connections accepted so far (proxy), or API requests seen in the daemon's log (dockerd: not counted, -1). */
  connections(): number;
  /** Runs the docker CLI against THIS engine (never throws on a non-zero exit). */
  docker(args: string[]): Promise<DockerCliResult>;
  /** The daemon's log (dockerd) or '' (proxy). */
  log(): string;
  /** Stops the daemon (or proxy) and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}


function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the TLS engine: a second dockerd unless CASCADE_E2E_TLS_ENGINE=proxy, falling back to the
 * proxy (with the reason kept) when the daemon does not come up.
 */
export async function startTlsEngine(): Promise<TlsEngine> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cascade-tls-'));
  try {
    const material = await makeTlsMaterial(dir);
    let reason = 'CASCADE_E2E_TLS_ENGINE=proxy';
    if (process.env.CASCADE_E2E_TLS_ENGINE !== 'proxy') {
      try {
        return await startSecondDockerd(dir, material);
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      }
    }
    return await startTlsProxy(dir, material, reason);
  } catch (error) {
    await fsp.rm(dir, { recursive: true, force: true });
    throw error;
  }
}

function clientEnv(port: number, certDir: string): Record<string, string> {
  return { DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certDir };
}

export interface DockerCliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  all: string;
}

function dockerCli(port: number, certDir: string) {
  return async (args: string[]): Promise<DockerCliResult> => {
    const r = await execa('docker', args, { reject: false, stdin: 'ignore', all: true, env: clientEnv(port, certDir), timeout: 120_000 });
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, all: r.all };
  };
}

async function startSecondDockerd(dir: string, material: TlsMaterial): Promise<TlsEngine> {
  const paths = {
    data: path.join(dir, 'data'),
    exec: path.join(dir, 'exec'),
    pid: path.join(dir, 'dockerd.pid'),
    config: path.join(dir, 'daemon.json'),
    log: path.join(dir, 'dockerd.log'),
  };
  // Its own empty daemon.json: never /etc/docker/daemon.json, whose "hosts" or settings are the main daemon's.
  await fsp.writeFile(paths.config, '{}\n');
  const cgroupParent = `/cascade-e2e-${path.basename(dir)}`;
  // A bridge of its own: with `--bridge none` dockerd deletes the host's docker0 interface at start,
  // which breaks the main daemon's default network. A user bridge leaves docker0 alone.
  const bridge = `ce2e${randomBytes(4).toString('hex')}`.slice(0, 15);
  const addBridge = await execa('ip', ['link', 'add', 'name', bridge, 'type', 'bridge'], { reject: false, stdin: 'ignore' });
  if (addBridge.exitCode !== 0) throw new Error(`cannot create the second daemon's bridge ${bridge}: ${addBridge.stderr}`);

  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeLoopbackPort();
    const fd = fs.openSync(paths.log, 'a');
    // detached = setsid: its own session and process group, so nothing of the test's terminal or
    // signals reaches it; its output goes to the log file only.
    const proc: ChildProcess = spawn(
      'dockerd',
      [
        '--config-file', paths.config,
        '--data-root', paths.data,
        '--exec-root', paths.exec,
        '--pidfile', paths.pid,
        '-H', `tcp://127.0.0.1:${port}`,
        '--tlsverify',
        '--tlscacert', path.join(dir, 'ca.pem'),
        '--tlscert', path.join(dir, 'server-cert.pem'),
        '--tlskey', path.join(dir, 'server-key.pem'),
        '--bridge', bridge,
        '--iptables=false',
        '--ip6tables=false',
        '--ip-masq=false',
        '--ip-forward=false',
        '--cgroup-parent', cgroupParent,
      ],
      { stdio: ['ignore', fd, fd], detached: true },
    );
    fs.closeSync(fd);
    let exited = false;
    const killOnExit = () => {
      try {
        process.kill(proc.pid ?? -1, 'SIGKILL');
      } catch {
        /* gone */
      }
    };
    process.once('exit', killOnExit);
    const done = new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.once('error', (e) => {
        fs.appendFileSync(paths.log, `spawn dockerd: ${e.message}\n`);
        resolve();
      });
    }).then(() => {
      exited = true;
      process.off('exit', killOnExit);
    });

    const docker = dockerCli(port, material.clientDir);
    const deadline = Date.now() + 60_000;
    let up = false;
    while (!exited && Date.now() < deadline) {
      const r = await docker(['version', '--format', '{{.Server.Version}}']);
      if (r.exitCode === 0) {
        up = true;
        break;
      }
      await sleep(250);
    }

    const stop = async () => {
      if (!exited) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
        await done;
        clearTimeout(timer);
      }
      // A daemon killed hard may leave overlay mounts (and its containerd's) under the data root.
      const mounts = (await fsp.readFile('/proc/self/mounts', 'utf8').catch(() => ''))
        .split('\n')
        .map((line) => line.split(' ')[1] ?? '')
        .filter((mount) => mount.startsWith(`${dir}/`))
        .sort((a, b) => b.length - a.length);
      for (const mount of mounts) await execa('umount', ['-l', mount], { reject: false, stdin: 'ignore' });
      await removeCgroupParent(cgroupParent);
      await execa('ip', ['link', 'delete', bridge], { reject: false, stdin: 'ignore' });
    };

    if (!up) {
      await stop();
      lastError = `second dockerd on 127.0.0.1:${port} ${exited ? 'exited' : 'did not answer within 60 s'}:\n${tail(paths.log)}`;
      if (/address already in use/i.test(lastError)) continue;
      throw new Error(lastError);
    }

    let stopped = false;
    return {
      kind: 'dockerd',
      fallbackReason: undefined,
      url: `tcp://127.0.0.1:${port}`,
      port,
      material,
      env: clientEnv(port, material.clientDir),
      connections: () => -1,
      docker,
      log: () => tail(paths.log, 200),
      async stop() {
        if (stopped) return;
        stopped = true;
        await stop();
        await fsp.rm(dir, { recursive: true, force: true });
      },
    };
  }
  throw new Error(lastError || 'second dockerd did not start');
}

/**
 * The daemon's --cgroup-parent directories (one per cgroup v1 controller, or one on v2) outlive it,
 * empty: rmdir them, children first. Only this daemon's own parent is ever touched.
 */
async function removeCgroupParent(cgroupParent: string): Promise<void> {
  const root = '/sys/fs/cgroup';
  const candidates = [path.join(root, cgroupParent)];
  for (const controller of await fsp.readdir(root).catch(() => [] as string[])) candidates.push(path.join(root, controller, cgroupParent));
  const rmdirTree = async (dir: string): Promise<void> => {
    const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) if (entry.isDirectory()) await rmdirTree(path.join(dir, entry.name));
    await fsp.rmdir(dir).catch(() => undefined);
  };
  for (const dir of candidates) if (fs.existsSync(dir)) await rmdirTree(dir);
}

async function startTlsProxy(dir: string, material: TlsMaterial, fallbackReason: string): Promise<TlsEngine> {
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    {
      ca: material.caPem,
      cert: material.serverCertPem,
      key: material.serverKeyPem,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (client) => {
      accepted += 1;
      const upstream = net.connect('/var/run/docker.sock');
      sockets.add(client);
      sockets.add(upstream);
      client.on('close', () => sockets.delete(client));
      upstream.on('close', () => sockets.delete(upstream));
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
    },
  );
  server.on('tlsClientError', () => undefined);
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : 0);
    });
  });
  let stopped = false;
  return {
    kind: 'proxy',
    fallbackReason,
    url: `tcp://127.0.0.1:${port}`,
    port,
    material,
    env: clientEnv(port, material.clientDir),
    connections: () => accepted,
    docker: dockerCli(port, material.clientDir),
    log: () => '',
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}
