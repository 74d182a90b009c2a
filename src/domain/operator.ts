export type OperatorRole = 'superadmin' | 'viewer';

export interface OperatorRecord {
  readonly actor: string;
  readonly role: OperatorRole;
  readonly grantedBy: string;
  readonly grantedAt: string;
}
