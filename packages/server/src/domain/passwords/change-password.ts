import { AuthError } from '../../errors/auth-error.js';
import { checkNewPassword, normalizePassword } from '../../security/password-policy.js';
import { mailPasswordChanged } from '../accounts/notices.js';
import { writeAudit } from '../audit/audit-entry.js';
import type { DomainContext } from '../context.js';
import { announceRevocations, revokeUserSessionsIn } from '../sessions/revoke-session.js';
import type { RequestInfo } from '../sessions/session.js';

export interface PasswordChange {
  readonly userId: string;
  /** The caller's session stays; every other one ends (ASVS 7.4.3). */
  readonly sessionId: string;
  readonly currentPassword: string;
  readonly newPassword: string;
}

export async function changePassword(ctx: DomainContext, change: PasswordChange, request: RequestInfo): Promise<void> {
  const credentials = await ctx.repos.users.credentialsById(change.userId);
  if (!credentials) throw new AuthError('not_found');
  const { user } = credentials;
  const password = checkNewPassword(change.newPassword, ctx.config.password, user, '/new_password');
  const { ok } = await ctx.hasher.verify(credentials.passwordHash, normalizePassword(change.currentPassword));
  if (!ok) throw new AuthError('invalid_password');
  const passwordHash = await ctx.hasher.hash(password);
  const now = ctx.clock.now();
  const revoked = await ctx.repos.transaction(async (repos) => {
    await repos.users.setPassword(user.id, passwordHash, now);
    // A reset link mailed earlier would otherwise still set a password the person no longer expects.
    await repos.accountTokens.deleteForUser(user.id, 'password_reset');
    await writeAudit(ctx, repos, { action: 'user.password_changed', actorId: user.id, targetId: user.id, ip: request.ip });
    return revokeUserSessionsIn(ctx, repos, { userId: user.id, actorId: user.id, reason: 'password_changed', ip: request.ip, keep: change.sessionId });
  });
  await announceRevocations(ctx, revoked, user.id);
  await ctx.events.publish({ type: 'user.changed', userId: user.id });
  if (user.email !== null) mailPasswordChanged(ctx, { email: user.email, displayName: user.displayName }, request);
}
