/** The actor recorded in the audit log: --actor, else CASCADE_ACTOR, else the OS user. */
export function resolveActor(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, osUser: string): string {
  for (const candidate of [flag, env.CASCADE_ACTOR, osUser]) {
    if (candidate !== undefined && candidate.trim() !== '') return candidate.trim();
  }
  return 'unknown';
}
