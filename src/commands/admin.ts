import type { AppContext } from '../cli/context.js';
import type { AuditEntry, ImageSlot, OperatorRecord, OperatorRole } from '../lifecycle/model.js';
import { checkProjectId } from '../lifecycle/project-id.js';
import type { AuditQuery } from '../ports/store.js';

/** Operator and audit commands: thin, the store enforces the rules in its transactions. */

export async function history(ctx: AppContext, query: AuditQuery): Promise<readonly AuditEntry[]> {
  if (query.project !== undefined) checkProjectId(query.project);
  return (await ctx.readStore()).audit(query);
}

export async function listOperators(ctx: AppContext): Promise<readonly OperatorRecord[]> {
  return (await ctx.readStore()).operators();
}

export async function grantOperator(ctx: AppContext, actor: string, role: OperatorRole): Promise<void> {
  await (await ctx.store()).setOperator(actor, role, ctx.actor);
}

export async function revokeOperator(ctx: AppContext, actor: string): Promise<void> {
  await (await ctx.store()).removeOperator(actor, ctx.actor);
}

export async function deleteProject(ctx: AppContext, project: string, force: boolean): Promise<ImageSlot> {
  checkProjectId(project);
  return (await ctx.store()).deleteProject(project, ctx.actor, force);
}
