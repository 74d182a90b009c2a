/** One row of the append-only audit log. */
export interface AuditEntry {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly project: string | null;
  readonly event: string;
  readonly from: string | null;
  readonly to: string | null;
  readonly detail: Record<string, unknown> | null;
}
