/** Whose image it is: one project's, or the global default that projects without one fall back to. */
export type Subject = { readonly kind: 'project'; readonly project: string } | { readonly kind: 'default' };

export const DEFAULT_SUBJECT: Subject = { kind: 'default' };
export const projectSubject = (project: string): Subject => ({ kind: 'project', project });

/** The project id, or null for the global default: how the store and JSON name a subject. */
export function projectOf(subject: Subject): string | null {
  return subject.kind === 'project' ? subject.project : null;
}

/** The inverse of `projectOf`: a stored project id, or null for the global default. */
export function subjectOf(projectId: string | null): Subject {
  return projectId === null ? DEFAULT_SUBJECT : projectSubject(projectId);
}

/** The name people read: the project id, or "(default)" for the global default. */
export function subjectName(subject: Subject): string {
  return projectOf(subject) ?? '(default)';
}

export function sameSubject(a: Subject, b: Subject): boolean {
  return projectOf(a) === projectOf(b) && a.kind === b.kind;
}
