// Kept apart from the container policy: cleanup and lease decisions need the labels, not the
// smoke-script builder (which `show` must never load).

/** Labels on every container we create: how cleanup knows ours from anyone else's. */
export const LABELS = {
  managed: 'io.cascade-image.managed',
  runId: 'io.cascade-image.run-id',
  project: 'io.cascade-image.project',
  createdAt: 'io.cascade-image.created-at',
  /** After this time no live run can own the container: any sweep may remove it. */
  expiresAt: 'io.cascade-image.expires-at',
} as const;

/** The label filter that finds our containers, and only ours. */
export const OURS = { [LABELS.managed]: 'true' } as const;
