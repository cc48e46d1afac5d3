import { AuthError } from '../../errors/auth-error.js';
import { writeAudit } from '../audit/audit-entry.js';
import type { DomainContext } from '../context.js';
import { unlockAccount } from '../sessions/lockout.js';
import type { RequestInfo } from '../sessions/session.js';

/** An administrator lifts a user's lockout before it runs out. */
export async function unlockUser(ctx: DomainContext, actorId: string, targetId: string, request: RequestInfo): Promise<void> {
  if (!(await ctx.repos.users.findById(targetId))) throw new AuthError('not_found');
  await unlockAccount(ctx, targetId);
  await writeAudit(ctx, ctx.repos, { action: 'user.unlocked', actorId, targetId, ip: request.ip });
}
