import { describe, expect, it } from 'vitest';
import { DEFAULT_SUBJECT, projectSubject, type PolicyAssignments, type SignaturePolicy, type StoredPolicy } from '../../src/domain/index.js';
import { effectivePolicy, NO_POLICY } from '../../src/lifecycle/policies.js';

const keys: SignaturePolicy = { mode: 'enforce', keys: [{ pem: '-----BEGIN PUBLIC KEY-----\n…\n-----END PUBLIC KEY-----\n', fingerprint: 'a'.repeat(64), algorithm: 'ecdsa-p256' }] };
const warnKeys: SignaturePolicy = { ...keys, mode: 'warn' };
const stored = (signatures: SignaturePolicy | null, drift: StoredPolicy['drift']): StoredPolicy => ({ signatures, drift, setBy: 'alice', setAt: '2026-12-01T00:00:00.000Z' });
const assignments = (fallback: StoredPolicy | undefined, own: Record<string, StoredPolicy> = {}): PolicyAssignments => ({ default: fallback, projects: new Map(Object.entries(own)) });

describe('effectivePolicy', () => {
  it.each([
    ['nothing anywhere', projectSubject('acme'), assignments(undefined), NO_POLICY],
    ['the default scope for a project without its own', projectSubject('acme'), assignments(stored(keys, 'hold')), { signatures: keys, signaturesFrom: 'default', drift: 'hold', driftFrom: 'default' }],
    ['the project over the default, part by part', projectSubject('acme'), assignments(stored(keys, 'hold'), { acme: stored(warnKeys, null) }), { signatures: warnKeys, signaturesFrom: 'project', drift: 'hold', driftFrom: 'default' }],
    ['a project\'s drift with the default\'s keys', projectSubject('acme'), assignments(stored(keys, null), { acme: stored(null, 'hold') }), { signatures: keys, signaturesFrom: 'default', drift: 'hold', driftFrom: 'project' }],
    ['another project\'s policy never applies', projectSubject('web'), assignments(undefined, { acme: stored(keys, 'hold') }), NO_POLICY],
    ['the global default image under the default scope', DEFAULT_SUBJECT, assignments(stored(null, 'hold'), { acme: stored(keys, 'repin') }), { signatures: null, signaturesFrom: 'none', drift: 'hold', driftFrom: 'default' }],
  ] as const)('%s', (_name, subject, given, expected) => {
    expect(effectivePolicy(subject, given)).toEqual(expected);
  });
});
