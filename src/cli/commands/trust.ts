import { Option, type Command } from 'commander';
import { DEFAULT_SUBJECT, projectOf, type DriftPolicy, type SignatureMode, type Subject } from '../../domain/index.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../../errors.js';
import { JSON_SCHEMA_VERSION } from '../../render/output.js';
import { exitCodeForOutcomes } from '../exit-codes.js';
import { readTextFile } from '../text-file.js';
import type { CliKit } from '../kit.js';
import { scopeOf, type ScopeFlags } from '../scope.js';
import { collect, DEFAULT_TIMEOUT, timeoutOf } from '../options.js';
import { reporterFor } from './change.js';

/** What `--default` stands for, when neither it nor a project is given. */
const DEFAULT_MEANS = 'every project without a policy of its own';

interface SetFlags extends ScopeFlags {
  key: string[];
  mode: SignatureMode;
  drift?: DriftPolicy;
  validate?: boolean;
  timeout?: string;
  json?: boolean;
}

/** `trust set|clear|show`: whose signatures an image needs before it is pinned, and whether a drift waits for approval. */
export function registerTrust(program: Command, kit: CliKit): void {
  const trust = program.command('trust').description('signature and drift policy: who must have signed an image before it is pinned, and whether a moved tag waits for approval');

  trust
    .command('set')
    .description('require cosign signatures by these keys (--key, repeatable) and/or set the drift policy; re-validates a verified image')
    .argument('[project]', 'project id (omit with --default)')
    .option('--default', 'the default scope: projects without a policy of their own, and the global default image')
    .option('--key <file>', 'PEM public key (ECDSA P-256, RSA ≥ 2048, Ed25519); repeat for several', collect, [])
    .addOption(new Option('--mode <mode>', 'enforce (unsigned: failed, never pinned) or warn (verified with a warning)').choices(['enforce', 'warn']).default('enforce'))
    .addOption(new Option('--drift <policy>', 'hold (a moved tag waits for `approve`) or repin (taken at once)').choices(['hold', 'repin']))
    .option('--no-validate', 'do not re-validate the current image now')
    .option('--timeout <duration>', 'smoke-test timeout, e.g. 90s, 5m', DEFAULT_TIMEOUT)
    .option('--json', 'NDJSON: lifecycle events of the re-validation, then the policy')
    .action(
      kit.action(async (project: string | undefined, flags: SetFlags, command: Command) => {
        const scope = scopeOf(project, flags, DEFAULT_MEANS);
        const { mode, drift } = flags;
        if (flags.key.length === 0 && drift === undefined) throw new UsageError('give --key FILE (a signature policy) or --drift hold|repin, or both');
        const keys = flags.key.length === 0 ? undefined : flags.key.map((path) => ({ text: readTextFile(path, 'key file'), path }));
        const timeoutMs = timeoutOf(flags.timeout);
        const services = kit.services(command);
        const { setTrust } = await import('../../commands/trust.js');
        const result = await setTrust(
          { scope, ...(keys === undefined ? {} : { signatures: { mode, keys } }), ...(drift === undefined ? {} : { drift }), validate: flags.validate !== false, timeoutMs },
          { store: services.store, storeExists: services.storeExists, engine: services.engine, actor: services.actor, signal: services.signal, listener: await reporterFor(services) },
        );
        return printChange(kit, command, result);
      }),
    );

  trust
    .command('clear')
    .description('drop a scope\'s policy (both parts unless --signatures or --drift): a project falls back to the default scope\'s')
    .argument('[project]', 'project id (omit with --default)')
    .option('--default', 'the default scope')
    .option('--signatures', 'only the signature policy')
    .option('--drift', 'only the drift policy')
    .option('--json', 'JSON line on stdout')
    .action(
      kit.action(async (project: string | undefined, flags: ScopeFlags & { signatures?: boolean; drift?: boolean }, command: Command) => {
        const scope = scopeOf(project, flags, DEFAULT_MEANS);
        const both = flags.signatures !== true && flags.drift !== true;
        const services = kit.services(command);
        const { setTrust } = await import('../../commands/trust.js');
        const result = await setTrust(
          { scope, ...(both || flags.signatures === true ? { signatures: null } : {}), ...(both || flags.drift === true ? { drift: null } : {}), validate: false, timeoutMs: 0 },
          { store: services.store, storeExists: services.storeExists, engine: services.engine, actor: services.actor, signal: services.signal, listener: () => undefined },
        );
        return printChange(kit, command, result);
      }),
    );

  trust
    .command('show')
    .description('the policy that applies (its own, the default scope\'s, or none), its keys, and a drift awaiting approval')
    .argument('[project]', 'project id (omit for the default scope)')
    .option('--default', 'the default scope')
    .option('--json', 'JSON envelope on stdout')
    .action(
      kit.action(async (project: string | undefined, flags: ScopeFlags, command: Command) => {
        const scope = project === undefined ? DEFAULT_SUBJECT : scopeOf(project, flags, DEFAULT_MEANS);
        const services = kit.services(command);
        const shown = await (await import('../../commands/trust.js')).showTrust(scope, { store: services.readStore });
        const render = await import('../../render/trust.js');
        if (services.output.json) services.output.envelope('trust show', render.trustView(shown));
        else services.output.lines(render.renderTrustShow(shown));
        return ExitCode.ok;
      }),
    );
}

async function printChange(kit: CliKit, command: Command, result: import('../../commands/trust.js').SetTrustResult): Promise<ExitCodeValue> {
  const services = kit.services(command);
  const { output } = services;
  const render = await import('../../render/trust.js');
  if (output.json) output.jsonLine({ schemaVersion: JSON_SCHEMA_VERSION, event: 'trust', scope: result.scope.kind, project: projectOf(result.scope), changed: result.changed, ...result.effective });
  else output.line(render.renderTrustChange(result, output.color));
  return result.outcome === undefined ? ExitCode.ok : exitCodeForOutcomes([result.outcome], services.interruptedBy());
}

/** `approve <project>`: a drift held by a hold policy becomes the pin. */
export function registerApprove(program: Command, kit: CliKit): void {
  program
    .command('approve')
    .description('take the drifted digest a hold policy kept for approval: it becomes the pin launchers get')
    .argument('[project]', 'project id (omit with --default)')
    .option('--default', 'the global default image')
    .option('--json', 'JSON envelope on stdout')
    .action(
      kit.action(async (project: string | undefined, flags: ScopeFlags & { json?: boolean }, command: Command) => {
        const scope = scopeOf(project, flags, DEFAULT_MEANS);
        const services = kit.services(command);
        const approved = await (await import('../../commands/trust.js')).approveDrift(scope, { store: services.store, storeExists: services.storeExists, actor: services.actor });
        const { output } = services;
        output.logJson({ event: 'drift_approved', actorId: services.actor, projectId: projectOf(scope), from: approved.before.digest, to: approved.after.digest });
        if (output.json) output.envelope('approve', { from: approved.before.digest, to: approved.after.digest, held: approved.held });
        else output.line((await import('../../render/trust.js')).approvedLine(approved, output.color));
        return ExitCode.ok;
      }),
    );
}
