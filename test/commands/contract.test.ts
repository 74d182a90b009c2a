import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WORKER_CONTRACT, WORKER_CONTRACT_HASH } from '../../src/checks/index.js';
import { initContract, lintContract, setContract, showContract, type ContractText } from '../../src/commands/contract.js';
import { DEFAULT_SUBJECT, projectSubject } from '../../src/domain/index.js';
import { ContractFileError, EngineUnavailableError, ForbiddenError, ProbeFailedError, ProjectNotFoundError } from '../../src/errors.js';
import { loadContract, renderContractFile } from '../../src/formats/contract-file/index.js';
import { ADMIN, DIGEST, REF, VIEWER, good, harness, neverOpened, pinOf, without, type Harness } from './support.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => h.store.close());

const file = (text: string, fileName = 'payments.yaml'): ContractText => ({ text, fileName });
const NEEDS_NODE_22 = file(`contract: 1
name: payments
extends: worker
checks:
  - id: node
    kind: version
    tool: node
    range: ">=22"
`);
const WARN_SOFT = file('contract: 1\nname: lenient\nextends: worker\nsoftFailures: warn\n', 'lenient.yaml');
const setInput = (scope = projectSubject('acme'), contract: ContractText | null = NEEDS_NODE_22, validate = true) => ({ scope, file: contract, validate, timeoutMs: 20_000 });

describe('lintContract', () => {
  it('resolves the file and hashes what it means', () => {
    const linted = lintContract(NEEDS_NODE_22);
    expect(linted.contract.checks.find((check) => check.id === 'node')).toMatchObject({ kind: 'version', range: '>=22' });
    expect(linted.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(lintContract(file(NEEDS_NODE_22.text.replace('name: payments', 'name: payments # same'))).hash).toBe(linted.hash);
  });

  it('refuses a bad file with its line and field (exit 2)', () => {
    const error = (() => {
      try {
        lintContract(file('contract: 1\nchecks:\n  - id: node\n    kind: version\n    tool: node\n    range: ">=20 <<23"\n'));
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ContractFileError);
    expect((error as ContractFileError).exitCode).toBe(2);
    expect((error as ContractFileError).message).toMatch(/^payments\.yaml:6:\d+: checks\[0\]\.range: /);
  });
});

describe('setContract', () => {
  it('holds the project to its own contract and re-validates its image under it', async () => {
    h.docker.publish(REF, DIGEST, good('sha256:img1'));
    await h.seed('acme', REF);
    expect(await h.slot('acme')).toMatchObject({ status: 'verified' });

    const result = await setContract(setInput(), h.setDeps());
    expect(result.change).toMatchObject({ before: null, changed: true });
    expect(result.previous).toMatchObject({ source: 'builtin', hash: WORKER_CONTRACT_HASH });
    expect(result.effective).toMatchObject({ source: 'project', hash: result.change.after });
    expect(result.outcome).toMatchObject({ outcome: 'contract-changed', verdict: { status: 'failed', reason: 'hard checks failed: node --version (found v20.0.0, need >=22)' } });
    expect(await h.slot('acme')).toMatchObject({ status: 'failed', contractHash: result.change.after });
    expect(h.events.find((event) => event.type === 'contract-changed')).toMatchObject({ before: null, after: result.change.after });
    const [audit] = (await h.store.audit({ project: 'acme' })).filter((entry) => entry.event === 'contract_set');
    expect(audit).toMatchObject({ actor: ADMIN, from: null, to: result.change.after });
  });

  it('is unchanged (nothing written, nothing validated) when the same contract is set again', async () => {
    h.docker.publish(REF, DIGEST, good('sha256:img1'));
    await h.seed('acme', REF);
    await setContract(setInput(), h.setDeps());
    const runs = h.docker.calls.run.length;
    const again = await setContract(setInput(), h.setDeps());
    expect(again).toMatchObject({ change: { changed: false }, outcome: undefined, notValidated: 'unchanged' });
    expect(h.docker.calls.run).toHaveLength(runs);
  });

  it('with --no-validate stores the contract and leaves the verdict for validate (contract-changed)', async () => {
    h.docker.publish(REF, DIGEST, good('sha256:img1'));
    await h.seed('acme', REF);
    const result = await setContract(setInput(projectSubject('acme'), NEEDS_NODE_22, false), h.setDeps());
    expect(result).toMatchObject({ notValidated: 'not-asked', outcome: undefined });
    expect(await h.slot('acme')).toMatchObject({ status: 'verified' });
  });

  it('a project without an image of its own gets the contract; nothing to validate, no engine opened', async () => {
    await h.seed('acme', null, { create: true, validate: false });
    const result = await setContract(setInput(), h.setDeps(ADMIN, { engine: neverOpened('the engine') }));
    expect(result).toMatchObject({ notValidated: 'no-image', change: { changed: true } });
  });

  it('clear falls back to the default scope\'s contract, then to the built-in', async () => {
    h.docker.publish(REF, DIGEST, without('sha256:img1', 'python'));
    await h.seed('acme', REF);
    expect(await h.slot('acme')).toMatchObject({ status: 'failed' });
    await setContract(setInput(DEFAULT_SUBJECT, WARN_SOFT), h.setDeps());
    await setContract(setInput(projectSubject('acme'), NEEDS_NODE_22, false), h.setDeps());

    const cleared = await setContract(setInput(projectSubject('acme'), null), h.setDeps());
    expect(cleared.effective).toMatchObject({ source: 'default', contract: { name: 'lenient' } });
    expect(cleared.outcome?.verdict).toMatchObject({ status: 'verified', warnings: [expect.stringMatching(/^soft check failed: python --version/)] });
    expect(await h.slot('acme')).toMatchObject({ status: 'verified', warnings: [expect.stringContaining('python --version')] });

    const builtin = await setContract(setInput(DEFAULT_SUBJECT, null, false), h.setDeps());
    expect(builtin.effective).toMatchObject({ source: 'builtin', hash: WORKER_CONTRACT_HASH });
  });

  it('the default scope names the projects it now governs: those with an image and no contract of their own', async () => {
    h.docker.publish(REF, DIGEST, good('sha256:img1'));
    await h.seed('acme', REF);
    await h.seed('beta', REF, { create: true });
    await h.seed('gamma', null, { create: true, validate: false });
    await setContract(setInput(projectSubject('beta'), NEEDS_NODE_22, false), h.setDeps());
    const result = await setContract(setInput(DEFAULT_SUBJECT, WARN_SOFT), h.setDeps());
    expect(result.governed).toEqual(['acme']);
  });

  it('refuses a viewer (exit 77) and writes nothing', async () => {
    h.docker.publish(REF, DIGEST, good('sha256:img1'));
    await h.seed('acme', REF);
    await h.grantViewer();
    await expect(setContract(setInput(), h.setDeps(VIEWER))).rejects.toBeInstanceOf(ForbiddenError);
    expect((await h.store.contractAssignments()).projects.size).toBe(0);
  });

  it('refuses an unknown project before opening anything, and a bad file before the store', async () => {
    await expect(setContract(setInput(projectSubject('nope')), h.setDeps())).rejects.toBeInstanceOf(ProjectNotFoundError);
    let opened = false;
    const deps = h.setDeps(ADMIN, { store: async () => ((opened = true), h.store) });
    await expect(setContract(setInput(projectSubject('acme'), file('contract: 2\n')), deps)).rejects.toBeInstanceOf(ContractFileError);
    expect(opened).toBe(false);
  });
});

describe('showContract', () => {
  it('shows the effective contract and where it comes from', async () => {
    await h.seed('acme', null, { create: true, validate: false });
    expect(await showContract(projectSubject('acme'), { store: async () => h.store })).toMatchObject({ effective: { source: 'builtin' }, stored: undefined });
    await setContract(setInput(projectSubject('acme'), NEEDS_NODE_22, false), h.setDeps());
    const shown = await showContract(projectSubject('acme'), { store: async () => h.store });
    expect(shown).toMatchObject({ effective: { source: 'project', contract: { name: 'payments' } }, stored: { setBy: ADMIN, sourceText: NEEDS_NODE_22.text } });
    await expect(showContract(projectSubject('nope'), { store: async () => h.store })).rejects.toBeInstanceOf(ProjectNotFoundError);
  });
});

describe('initContract', () => {
  it('probes the image and writes a contract it passes, each version found as its floor', async () => {
    h.docker.publish(REF, DIGEST, without('sha256:img1', 'python'));
    const init = await initContract({ reference: REF, allowLocal: false, timeoutMs: 20_000 }, { engine: async () => h.newEngine(), signal: h.controller.signal });
    expect(init.pin).toBe(pinOf(DIGEST));
    expect(init.file.checks).toContainEqual({ id: 'node', kind: 'version', tool: 'node', range: '>=20.0.0' });
    expect(init.file.checks).toContainEqual({ id: 'git', kind: 'version', tool: 'git', range: '>=2.39.0' });
    expect(init.file.drop).toEqual(['python']);
    expect(init.inventory.map((entry) => entry.tool)).toEqual(expect.arrayContaining(['node', 'git', 'cascade-tools', 'claude']));
    // The probe is not a verdict on any project: nothing remembered, nothing stored.
    expect(await h.store.cachedSmoke('sha256:img1', WORKER_CONTRACT_HASH)).toBeUndefined();

    const contract = loadContract(renderContractFile(init.file), 'init.yaml', WORKER_CONTRACT);
    expect(contract.checks.map((check) => check.id)).not.toContain('python');
  });

  it('fails precisely when the image cannot be probed', async () => {
    await expect(initContract({ reference: REF, allowLocal: false, timeoutMs: 20_000 }, { engine: async () => h.newEngine(), signal: h.controller.signal })).rejects.toBeInstanceOf(ProbeFailedError);
    h.docker.engineDown = true;
    await expect(initContract({ reference: REF, allowLocal: false, timeoutMs: 20_000 }, { engine: async () => h.newEngine(), signal: h.controller.signal })).rejects.toBeInstanceOf(EngineUnavailableError);
  });
});

