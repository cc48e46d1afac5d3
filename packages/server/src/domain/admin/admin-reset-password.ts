import { AuthError } from '../../errors/auth-error.js';
import { checkNewPassword } from '../../security/password-policy.js';
import { issueAccountToken } from '../accounts/account-tokens.js';
import { mailPasswordChanged, mailPasswordResetLink } from '../accounts/notices.js';
import { writeAudit } from '../audit/audit-entry.js';
import type { DomainContext } from '../context.js';
import { unlockAccount } from '../sessions/lockout.js';
import { announceRevocations, revokeUserSessionsIn } from '../sessions/revoke-session.js';
import type { Actor } from './actor.js';
import { actorDetails } from './actor-details.js';
import { getUser } from './manage-users.js';

export type ResetOrder = { readonly newPassword: string } | { readonly sendEmail: true };

/**
 * An administrator resets a user's password: either sets a new one (the password policy applies; every session
 * ends at once and any lockout is lifted) or mails the user the same single-use reset link that
 * POST /auth/password/reset/request sends, which the user redeems at /auth/password/reset/confirm. Not for one's
 * own account: that goes through POST /auth/password/change, which asks for the current password.
 */
export async function adminResetPassword(ctx: DomainContext, actor: Actor, targetId: string, order: ResetOrder): Promise<void> {
  const user = await getUser(ctx, targetId);
  if (actor.userId === targetId) {
    throw AuthError.validation('/id', 'Change your own password with POST /auth/password/change, which asks for the current one');
  }
  const audit = { actorId: actor.userId, targetId, ip: actor.ip };

  if ('sendEmail' in order) {
    const email = user.email;
    if (email === null) throw AuthError.validation('/send_email', 'This user has no email address; set a password with new_password instead');
    const token = await ctx.repos.transaction(async (repos) => {
      const issued = await issueAccountToken(ctx, repos, 'password_reset', { id: user.id, email });
      await writeAudit(ctx, repos, { ...audit, action: 'user.password_reset_requested', details: actorDetails(actor, { by_admin: true }) });
      return issued;
    });
    await ctx.repos.accountTokens.keepNewest(user.id, 'password_reset');
    mailPasswordResetLink(ctx, { email, displayName: user.displayName }, token);
    return;
  }

  const password = checkNewPassword(order.newPassword, ctx.config.password, user, '/new_password');
  const passwordHash = await ctx.hasher.hash(password);
  const now = ctx.clock.now();
  const revoked = await ctx.repos.transaction(async (repos) => {
    if (!(await repos.users.findById(targetId))) return undefined;
    await repos.users.setPassword(targetId, passwordHash, now);
    // A reset link still in the user's mailbox would undo the administrator's choice.
    await repos.accountTokens.deleteForUser(targetId, 'password_reset');
    await writeAudit(ctx, repos, { ...audit, action: 'user.password_reset', details: actorDetails(actor, { by_admin: true }) });
    return revokeUserSessionsIn(ctx, repos, { userId: targetId, actorId: actor.userId, reason: 'password_reset', ip: actor.ip , details: actorDetails(actor) });
  });
  if (!revoked) throw new AuthError('not_found');
  await announceRevocations(ctx, revoked, targetId);
  await ctx.events.publish({ type: 'user.changed', userId: targetId });
  await unlockAccount(ctx, targetId);
  if (user.email !== null) mailPasswordChanged(ctx, { email: user.email, displayName: user.displayName }, { ip: actor.ip, userAgent: null });
}
