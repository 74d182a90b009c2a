import type { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import type { CliKit } from '../kit.js';
import { collect } from '../options.js';

/** How long doctor waits for a registry's /v2/ to answer. */
const REGISTRY_PROBE_MS = 5000;

export function registerDoctor(program: Command, kit: CliKit): void {
  program
    .command('doctor')
    .description('check the engine, the store and (with --registry) credentials and a registry; never prints a secret')
    .option('--registry <host>', 'also check the credentials and reachability of this registry (repeatable)', collect, [])
    .option('--json', 'JSON envelope on stdout')
    .action(
      kit.action(async (flags: { registry: string[] }, command: Command) => {
        const services = kit.services(command);
        const { output, location } = services;
        const report = await (await import('../../commands/doctor.js')).doctor(
          { registries: flags.registry },
          {
            endpoint: () => services.dockerEndpoint().description,
            docker: services.docker,
            store:
              location.kind === 'postgres'
                ? {
                    kind: 'postgres',
                    location: location.shown,
                    schema: location.schema,
                    role: location.role,
                    // The read store of a server whose schema does not exist yet is an empty stand-in (SQLite in memory): not a store.
                    open: async () => {
                      const store = await services.readStore();
                      return (await store.describe()).kind === 'postgres' ? store : undefined;
                    },
                  }
                : { kind: 'sqlite', path: services.storePath, exists: services.storeExists, open: services.readStore },
            credentials: services.credentials,
            httpStatus: async (url) => (await fetch(url, { method: 'GET', signal: AbortSignal.timeout(REGISTRY_PROBE_MS), redirect: 'manual' })).status,
          },
        );
        if (output.json) output.envelope('doctor', { ok: report.ok, checks: report.checks, ...(report.store === undefined ? {} : { store: report.store }) });
        else {
          const c = output.color;
          for (const check of report.checks) {
            output.line(`${check.ok ? c.green('ok') : c.red('problem')}  ${check.name}  ${check.detail}`);
            for (const warning of check.warnings ?? []) output.line(`  ${c.yellow(`warning: ${warning}`)}`);
            if (check.fix !== null) output.line(`  ${c.dim(`fix: ${check.fix}`)}`);
          }
        }
        // An engine that does not answer is 69 for every command; any other problem is 1.
        return report.engineUnavailable ? ExitCode.unavailable : report.ok ? ExitCode.ok : ExitCode.failed;
      }),
    );
}
