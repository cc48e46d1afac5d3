import { AuthError } from '../../errors/auth-error.js';
import type { Actor } from '../admin/actor.js';
import { actorDetails } from '../admin/actor-details.js';
import { writeAudit } from '../audit/audit-entry.js';
import type { DomainContext } from '../context.js';
import { unlockAccount } from '../sessions/lockout.js';

/** An administrator lifts a user's lockout before it runs out. */
export async function unlockUser(ctx: DomainContext, actor: Actor, targetId: string): Promise<void> {
  if (!(await ctx.repos.users.findById(targetId))) throw new AuthError('not_found');
  await unlockAccount(ctx, targetId);
  await writeAudit(ctx, ctx.repos, { action: 'user.unlocked', actorId: actor.userId, targetId, ip: actor.ip, details: actorDetails(actor) });
}
