import pg from 'pg';

interface Wire {
  on(event: 'error', listener: () => void): unknown;
  readonly stream?: { destroy(): void };
}

/**
 * node-postgres's Client, except that a connection that failed is closed at once. When a
 * connection attempt fails on the client's side (SCRAM asks for a password and none was given, a
 * malformed server message), node-postgres reports the error but leaves the socket open; the
 * server then holds it until its authentication_timeout (60 s by default), and the process with
 * it: a command that has already printed its error would hang for a minute. After an error on the
 * wire a connection is never used again, so closing it loses nothing.
 */
export class ClosingClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const wire = (this as unknown as { connection: Wire }).connection;
    wire.on('error', () => {
      // After node-postgres's own handlers have seen the error.
      setImmediate(() => wire.stream?.destroy());
    });
  }
}
