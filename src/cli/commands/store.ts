import type { Command } from 'commander';
import { isPostgresUrl, postgresLocation, StoreLocationError, type StoreLocation } from '../../config/store-location.js';
import { ExitCode, UsageError } from '../../errors.js';
import type { CliKit } from '../kit.js';

export function registerStore(program: Command, kit: CliKit): void {
  const store = program.command('store').description('the store itself: copy it whole between SQLite and PostgreSQL');
  store
    .command('copy')
    .description('copy the whole store (--db) into a new or empty one, in one transaction, counted back; superadmin only, audited in both')
    .requiredOption('--to <target>', 'the store to fill: a file path, or postgres://role@host:port/database[?schema=name]')
    .option('--json', 'JSON envelope on stdout')
    .action(
      kit.action(async (flags: { to: string }, command: Command) => {
        const services = kit.services(command);
        const target = targetLocation(flags.to, kit);
        const [{ copyStore }, adapters] = await Promise.all([import('../../commands/store-copy.js'), import('../../store/copy/index.js')]);
        const { now } = kit.runtime;
        const result = await copyStore({
          source: () => adapters.openCopySource(services.location, now),
          target: () => adapters.openCopyTarget(target, now),
          actor: services.actor,
          now,
        });
        const { output } = services;
        if (output.json) output.envelope('store copy', result);
        else output.lines((await import('../../render/store-copy.js')).renderStoreCopy(result, output.color));
        return ExitCode.ok;
      }),
    );
}

/** --to as --db reads its value: a postgres:// URL is a server's schema, anything else a file. */
function targetLocation(value: string, kit: CliKit): StoreLocation {
  if (value.trim() === '') throw new UsageError('--to needs a store: it was given empty', { hint: 'name a new file, e.g. --to ~/cascade-image-copy.db, or a postgres:// URL' });
  if (!isPostgresUrl(value)) return { kind: 'sqlite', path: value };
  try {
    return postgresLocation(value, kit.runtime.env, kit.runtime.username);
  } catch (error) {
    if (!(error instanceof StoreLocationError)) throw error;
    throw new UsageError(`--to: ${error.message}`, { hint: 'give --to as postgres://role@host:port/database[?schema=name] (the password in PGPASSWORD or ~/.pgpass)' });
  }
}
