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
        const { output } = services;
        const report = await (await import('../../commands/doctor.js')).doctor(
          { registries: flags.registry },
          {
            endpoint: () => services.dockerEndpoint().description,
            docker: services.docker,
            storePath: services.storePath,
            storeExists: services.storeExists,
            store: services.readStore,
            credentials: services.credentials,
            httpStatus: async (url) => (await fetch(url, { method: 'GET', signal: AbortSignal.timeout(REGISTRY_PROBE_MS), redirect: 'manual' })).status,
          },
        );
        if (output.json) output.envelope('doctor', { ok: report.ok, checks: report.checks });
        else {
          const c = output.color;
          for (const check of report.checks) {
            output.line(`${check.ok ? c.green('ok') : c.red('problem')}  ${check.name}  ${check.detail}`);
            if (check.fix !== null) output.line(`  ${c.dim(`fix: ${check.fix}`)}`);
          }
        }
        // An engine that does not answer is 69 for every command; any other problem is 1.
        return report.engineUnavailable ? ExitCode.unavailable : report.ok ? ExitCode.ok : ExitCode.failed;
      }),
    );
}
