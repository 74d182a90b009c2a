import type { EffectivePolicy, PolicyAssignments, Subject } from '../domain/index.js';

/** No policy anywhere: no signatures required, a drifted tag that passes is re-pinned (the behaviour before policies). */
export const NO_POLICY: EffectivePolicy = Object.freeze({ signatures: null, signaturesFrom: 'none', drift: 'repin', driftFrom: 'none' });

/**
 * The policy a subject is held to, each part on its own: the project's, else the default scope's,
 * else none. A project can hold its drift and inherit the default's keys, or the other way round.
 */
export function effectivePolicy(subject: Subject, assignments: PolicyAssignments): EffectivePolicy {
  const own = subject.kind === 'project' ? assignments.projects.get(subject.project) : undefined;
  const fallback = assignments.default;
  const signatures =
    own?.signatures != null ? { signatures: own.signatures, signaturesFrom: 'project' as const }
    : fallback?.signatures != null ? { signatures: fallback.signatures, signaturesFrom: 'default' as const }
    : { signatures: null, signaturesFrom: 'none' as const };
  const drift =
    own?.drift != null ? { drift: own.drift, driftFrom: 'project' as const }
    : fallback?.drift != null ? { drift: fallback.drift, driftFrom: 'default' as const }
    : { drift: 'repin' as const, driftFrom: 'none' as const };
  return { ...signatures, ...drift };
}
