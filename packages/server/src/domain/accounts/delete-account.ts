import { AuthError } from '../../errors/auth-error.js';
import { normalizePassword } from '../../security/password-policy.js';
import { writeAudit } from '../audit/audit-entry.js';
import type { DomainContext } from '../context.js';
import { announceRevocations } from '../sessions/revoke-session.js';
import type { RequestInfo } from '../sessions/session.js';

/**
 * Deletes the caller's account after they confirm their password (ASVS 6.2.x re-authentication). Sessions, refresh
 * tokens, mailed tokens and login history go with it (foreign keys cascade); the audit trail keeps the fact.
 */
export async function deleteOwnAccount(ctx: DomainContext, userId: string, password: string, request: RequestInfo): Promise<void> {
  const credentials = await ctx.repos.users.credentialsById(userId);
  if (!credentials) throw new AuthError('not_found');
  const { ok } = await ctx.hasher.verify(credentials.passwordHash, normalizePassword(password));
  if (!ok) throw new AuthError('invalid_password');
  const now = ctx.clock.now();
  const sessions = await ctx.repos.transaction(async (repos) => {
    const live = await repos.sessions.liveIdsForUser(userId, now);
    if (!(await repos.users.delete(userId))) return undefined;
    await writeAudit(ctx, repos, {
      action: 'user.deleted',
      actorId: userId,
      targetId: userId,
      ip: request.ip,
      details: { self: true, sessions: live.length },
    });
    return live;
  });
  if (!sessions) throw new AuthError('not_found');
  await announceRevocations(ctx, sessions, userId);
  await ctx.events.publish({ type: 'user.changed', userId });
}
