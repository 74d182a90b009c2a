import { fstatSync, readFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { run } from './cli/run.js';
import type { Runtime } from './cli/runtime.js';
import type { TextSink } from './render/streams.js';

/**
 * The process boundary: the only module that reads argv and env, listens for signals and sets
 * the exit code. Everything below it receives these through the Runtime.
 */
const packageJson = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string };

/** node:os, loaded when first asked: a read that names no host, user or home never needs it. */
let os: typeof import('node:os') | undefined;
const osModule = (): typeof import('node:os') => (os ??= createRequire(import.meta.filename)('node:os') as typeof import('node:os'));

let host: string | undefined;
let user: string | undefined;
let home: string | undefined;

function osUser(): string {
  try {
    return osModule().userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

let signalled = 0;

// Library deprecation notices (docker-modem builds an ssh:// URL Node 20 calls invalid) are for
// the library's authors, not for an operator reading our stderr.
process.noDeprecation = true;

/**
 * Whether fd is a terminal, without creating process.stdout/stderr (Node builds a stream, and
 * loads `tty`, on first access): only a character device can be one, and a pipe or file is not.
 */
function isTerminal(fd: 1 | 2): boolean {
  try {
    const stat = fstatSync(fd);
    if (!stat.isCharacterDevice()) return false;
    // Linux's memory devices (/dev/null, /dev/zero, …: major 1) are never terminals, and a cron
    // job's `>/dev/null 2>&1` would otherwise build a stream (~3 ms) to learn it.
    if (process.platform === 'linux' && Math.floor(stat.rdev / 256) % 4096 === 1) return false;
  } catch {
    return false;
  }
  return (fd === 1 ? process.stdout : process.stderr).isTTY === true;
}

/**
 * Output to fd 1 and 2, written straight to the descriptors: Node's process.stdout/stderr would
 * load the stream and socket machinery on first use, a visible share of a `show`. What one
 * synchronous stretch of code prints goes out as one write per descriptor (at the next
 * microtask, and at exit), in the order it was printed across both. The stream is used only
 * where a direct write cannot go (a non-blocking descriptor answers EAGAIN). A reader that went
 * away (`| head -1`) is not an error: stop writing to it, quietly.
 */
class DirectOutput {
  private readonly queue: Array<{ fd: 1 | 2; text: string }> = [];
  private readonly streams = new Map<1 | 2, NodeJS.WriteStream>();
  private readonly closed = new Set<1 | 2>();
  private scheduled = false;

  sink(fd: 1 | 2): TextSink {
    let tty: boolean | undefined;
    return {
      write: (text) => this.write(fd, text),
      get isTTY() {
        tty ??= isTerminal(fd);
        return tty;
      },
    };
  }

  write(fd: 1 | 2, text: string): void {
    this.queue.push({ fd, text });
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.drain());
  }

  /** Writes everything queued, now. */
  drain(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const fd = this.queue[0]?.fd ?? 1;
      let text = '';
      while (this.queue[0]?.fd === fd) text += this.queue.shift()?.text ?? '';
      this.writeNow(fd, text);
    }
  }

  /** Resolves once what went through a stream (if one was needed) is written. */
  async flushed(): Promise<void> {
    this.drain();
    await Promise.all([...this.streams.values()].map((stream) => new Promise((done) => stream.write('', done))));
  }

  private writeNow(fd: 1 | 2, text: string): void {
    if (this.closed.has(fd)) return;
    const stream = this.streams.get(fd);
    if (stream !== undefined) {
      stream.write(text);
      return;
    }
    let bytes = Buffer.from(text);
    try {
      while (bytes.length > 0) bytes = bytes.subarray(writeSync(fd, bytes));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') this.closed.add(fd);
      // The rest as bytes: a partial write may have stopped inside a multi-byte character.
      else if (code === 'EAGAIN') this.stream(fd).write(bytes);
      else throw error;
    }
  }

  private stream(fd: 1 | 2): NodeJS.WriteStream {
    const stream = fd === 1 ? process.stdout : process.stderr;
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      this.closed.add(fd);
    });
    this.streams.set(fd, stream);
    return stream;
  }
}

const direct = new DirectOutput();
process.once('exit', () => direct.drain());
const stdout = direct.sink(1);
const stderr = direct.sink(2);

const runtime: Runtime = {
  argv: process.argv.slice(2),
  env: process.env,
  stdout,
  stderr,
  get terminal() {
    return this.stderr.isTTY ? process.stderr : undefined;
  },
  pid: process.pid,
  // Read once, on first use (a host's name must not change within a run: leases name it).
  get hostname() {
    return (host ??= osModule().hostname());
  },
  get username() {
    return (user ??= osUser());
  },
  get homedir() {
    return (home ??= osModule().homedir());
  },
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
      stderr.write(`cascade-image: ${signal} received, stopping the validation and recording it as failed (again to quit at once)\n`);
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

async function main(): Promise<void> {
  const exitCode = await run(runtime, packageJson.version);
  // Leave as soon as the output is out: run() has closed everything the command opened, so what
  // another turn of the event loop would still do is V8's housekeeping (a young-generation GC the
  // run scheduled: ~0.7 ms of a 200-project `list`) and tearing down a heap the OS frees anyway.
  // After an interrupt it would also drop our signal handlers, letting a second Ctrl-C kill the
  // process by signal instead of exit 130/143. The 'exit' listeners still run (the code caches).
  await direct.flushed();
  process.exit(exitCode);
}

// Not a top-level await: the build bundles this module as CommonJS (see scripts/build.mjs).
void main();
