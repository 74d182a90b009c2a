// An ssh:// route to the local engine, for the DOCKER_HOST=ssh:// test: a throwaway sshd on a free
// loopback port that accepts one key made here. dockerode (ssh2) runs `docker system dial-stdio`
// through it, exactly as it would on a remote build host.
import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { freeLoopbackPort } from './registry.js';

export interface SshEngine {
  /** DOCKER_HOST value: ssh://root@127.0.0.1:PORT */
  readonly dockerHost: string;
  /** A HOME whose ~/.ssh/id_ed25519 the server accepts. */
  readonly home: string;
  stop(): Promise<void>;
}

export async function startSshEngine(): Promise<SshEngine> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cascade-sshd-'));
  const home = path.join(dir, 'home');
  await fsp.mkdir(path.join(home, '.ssh'), { recursive: true, mode: 0o700 });
  const keygen = (file: string) => execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file], { stdin: 'ignore' });
  await keygen(path.join(home, '.ssh', 'id_ed25519'));
  await keygen(path.join(dir, 'host_key'));
  await fsp.copyFile(path.join(home, '.ssh', 'id_ed25519.pub'), path.join(dir, 'authorized_keys'));
  await fsp.chmod(path.join(dir, 'authorized_keys'), 0o600);
  await fsp.mkdir('/run/sshd', { recursive: true });
  const port = await freeLoopbackPort();
  const config = path.join(dir, 'sshd_config');
  await fsp.writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'StrictModes no',
      'UsePAM no',
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      '',
    ].join('\n'),
  );
  // -D: stay in the foreground as our child, so stopping it is a kill; -e: log to its stderr (a file).
  const log = await fsp.open(path.join(dir, 'sshd.log'), 'a');
  const sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', log.fd, log.fd], detached: true });
  await log.close();
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const probe = await execa('ssh-keyscan', ['-p', String(port), '127.0.0.1'], { reject: false, stdin: 'ignore', timeout: 3000 });
    if (probe.exitCode === 0 && probe.stdout.trim() !== '') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    dockerHost: `ssh://root@127.0.0.1:${port}`,
    home,
    async stop() {
      if (sshd.pid !== undefined) {
        try {
          process.kill(-sshd.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}
