import { AuthError } from '../../errors/auth-error.js';
import type { Actor } from '../admin/actor.js';
import { actorDetails } from '../admin/actor-details.js';
import { keepAnActiveAdmin } from '../admin/last-admin.js';
import { writeAudit } from '../audit/audit-entry.js';
import type { DomainContext } from '../context.js';
import { announceRevocations, revokeUserSessionsIn } from '../sessions/revoke-session.js';
import type { User } from './user.js';

export interface SuspensionOrder {
  readonly reason: string | null;
  /** Epoch ms at which it ends by itself; null: until lifted. */
  readonly until: number | null;
}

/**
 * Suspends a user: every session ends and is announced, so their access tokens are refused at once on every
 * instance (401 session_revoked), refresh tokens die with their sessions, and logins answer 403 until it ends.
 * Nobody suspends themself, and the last active admin cannot be suspended.
 */
export async function suspendUser(ctx: DomainContext, actor: Actor, targetId: string, order: SuspensionOrder): Promise<User> {
  if (actor.userId === targetId) throw AuthError.validation('/id', 'You cannot suspend your own account');
  const now = ctx.clock.now();
  // JSON Schema's date-time admits a leap second (23:59:60), which Date.parse turns into NaN.
  if (order.until !== null && !Number.isFinite(order.until)) throw AuthError.validation('/until', 'until must be a valid date and time');
  if (order.until !== null && order.until <= now) throw AuthError.validation('/until', 'until must be in the future');
  const result = await ctx.repos.transaction(async (repos) => {
    await keepAnActiveAdmin(ctx, repos, targetId);
    const user = await repos.users.setSuspension(targetId, { suspended: true, reason: order.reason, until: order.until }, now);
    if (!user) return undefined;
    await writeAudit(ctx, repos, {
      action: 'user.suspended',
      actorId: actor.userId,
      targetId,
      ip: actor.ip,
      details: actorDetails(actor, { reason: order.reason, until: order.until === null ? null : new Date(order.until).toISOString() }),
    });
    const revoked = await revokeUserSessionsIn(ctx, repos, { userId: targetId, actorId: actor.userId, reason: 'account_suspended', ip: actor.ip , details: actorDetails(actor) });
    return { user, revoked };
  });
  if (!result) throw new AuthError('not_found');
  await announceRevocations(ctx, result.revoked, targetId);
  await ctx.events.publish({ type: 'user.changed', userId: targetId });
  return result.user;
}

export async function unsuspendUser(ctx: DomainContext, actor: Actor, targetId: string): Promise<User> {
  const user = await ctx.repos.transaction(async (repos) => {
    const updated = await repos.users.setSuspension(targetId, { suspended: false, reason: null, until: null }, ctx.clock.now());
    if (updated) {
      await writeAudit(ctx, repos, { action: 'user.unsuspended', actorId: actor.userId, targetId, ip: actor.ip, details: actorDetails(actor) });
    }
    return updated;
  });
  if (!user) throw new AuthError('not_found');
  await ctx.events.publish({ type: 'user.changed', userId: targetId });
  return user;
}

/** Lifts timed suspensions whose end has come (the login path already treats them as over; this tidies the flag). */
export async function endExpiredSuspensions(ctx: DomainContext): Promise<void> {
  const lifted = await ctx.repos.transaction(async (repos) => {
    const userIds = await repos.users.endExpiredSuspensions(ctx.clock.now());
    for (const userId of userIds) {
      await writeAudit(ctx, repos, { action: 'user.unsuspended', actorId: null, targetId: userId, details: { expired: true } });
    }
    return userIds;
  });
  for (const userId of lifted) await ctx.events.publish({ type: 'user.changed', userId });
}
