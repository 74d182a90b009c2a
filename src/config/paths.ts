/** The actor recorded in the audit log: --actor, else CASCADE_ACTOR, else the OS user. */
export function resolveActor(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, os: OsUser): string {
  for (const candidate of [flag, env.CASCADE_ACTOR]) {
    if (candidate !== undefined && candidate.trim() !== '') return candidate.trim();
  }
  // Asked last: looking the OS user up is a module load and a system call a named actor skips.
  const osUser = os.username;
  return osUser.trim() !== '' ? osUser.trim() : 'unknown';
}

/** Who runs the process, read only when needed (the runtime's getters). */
export interface OsUser {
  readonly username: string;
}
