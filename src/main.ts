import { readFileSync } from 'node:fs';
import { hostname, homedir, userInfo } from 'node:os';
import { run } from './cli/run.js';
import type { Runtime } from './cli/runtime.js';
import type { TextSink } from './render/streams.js';

/**
 * The process boundary: the only module that reads argv and env, listens for signals and sets
 * the exit code. Everything below it receives these through the Runtime.
 */
const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

let signalled = 0;

// Library deprecation notices (docker-modem builds an ssh:// URL Node 20 calls invalid) are for
// the library's authors, not for an operator reading our stderr.
process.noDeprecation = true;

/** A reader that went away (`| head -1`) is not an error: stop writing to it, quietly. */
function sink(stream: NodeJS.WriteStream): TextSink {
  let open = true;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    open = false;
  });
  return {
    write: (text) => {
      if (open) stream.write(text);
    },
    isTTY: stream.isTTY === true,
  };
}

const runtime: Runtime = {
  argv: process.argv.slice(2),
  env: process.env,
  stdout: sink(process.stdout),
  stderr: sink(process.stderr),
  terminal: process.stderr.isTTY === true ? process.stderr : undefined,
  pid: process.pid,
  hostname: hostname(),
  username: osUser(),
  homedir: homedir(),
  now: () => new Date(),
  processAlive: (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      // EPERM: it exists but belongs to someone else.
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  onSignal: (handler) => {
    const listener = (signal: NodeJS.Signals) => {
      signalled += 1;
      // A second Ctrl-C means "now": skip the clean-up the first one started.
      if (signalled > 1) process.exit(signal === 'SIGINT' ? 130 : 143);
      process.stderr.write(`cascade-image: ${signal} received, stopping the validation and recording it as failed (again to quit at once)\n`);
      handler(signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM');
    };
    process.on('SIGINT', listener);
    process.on('SIGTERM', listener);
    return () => {
      // Once interrupted, keep listening until exit: a second Ctrl-C that lands after the run wound
      // down must still exit 130/143, not kill the process by signal.
      if (signalled > 0) return;
      process.off('SIGINT', listener);
      process.off('SIGTERM', listener);
    };
  },
};

const exitCode = await run(runtime, packageJson.version);
if (signalled > 0) {
  // Interrupted: leave as soon as the output is out. Node's own teardown drops our signal handlers,
  // so lingering in it would let a second Ctrl-C kill the process by signal instead of exit 130/143.
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))));
  process.exit(exitCode);
}
process.exitCode = exitCode;
