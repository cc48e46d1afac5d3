import { AuthError } from '../../errors/auth-error.js';
import { checkNewPassword } from '../../security/password-policy.js';
import { accountTokenHash, issueAccountToken } from '../accounts/account-tokens.js';
import { normalizeEmail } from '../accounts/identity.js';
import { mailPasswordChanged, mailPasswordResetLink, showsDevTokens } from '../accounts/notices.js';
import { writeAudit } from '../audit/audit-entry.js';
import type { DomainContext } from '../context.js';
import { unlockAccount } from '../sessions/lockout.js';
import { announceRevocations, revokeUserSessionsIn } from '../sessions/revoke-session.js';
import type { RequestInfo } from '../sessions/session.js';

/**
 * Asks for a reset link. The answer must not tell whether the email has an account, in content or in time, so
 * outside development the lookup, the token and the mail happen after the answer has gone (OWASP Forgot Password
 * CS). In development without SMTP the token comes back in the answer (API.md "DEV ONLY"), for known emails only.
 */
export async function requestPasswordReset(ctx: DomainContext, rawEmail: string, request: RequestInfo): Promise<{ devToken: string | undefined }> {
  const email = normalizeEmail(rawEmail);
  const issue = async (): Promise<string | undefined> => {
    const user = await ctx.repos.users.findByEmail(email);
    if (!user?.email) return undefined;
    const token = await ctx.repos.transaction(async (repos) => {
      const issued = await issueAccountToken(ctx, repos, 'password_reset', { id: user.id, email });
      await writeAudit(ctx, repos, { action: 'user.password_reset_requested', actorId: null, targetId: user.id, ip: request.ip });
      return issued;
    });
    await ctx.repos.accountTokens.keepNewest(user.id, 'password_reset');
    mailPasswordResetLink(ctx, { email, displayName: user.displayName }, token);
    return token;
  };
  if (showsDevTokens(ctx)) {
    const token = await issue();
    return { devToken: token };
  }
  ctx.background.run('password-reset-request', async () => {
    await issue();
  });
  return { devToken: undefined };
}

/**
 * Sets a new password from a mailed token. The policy is checked before the token is spent (a rejected password
 * does not burn the link); the token is then redeemed in the same transaction as the change, so of two concurrent
 * confirmations exactly one wins. Every session ends; receiving the mail also proves the address is theirs.
 */
export async function confirmPasswordReset(ctx: DomainContext, presented: string, newPassword: string, request: RequestInfo): Promise<void> {
  const hash = accountTokenHash(ctx, 'password_reset', presented);
  if (!hash) throw new AuthError('invalid_account_token');
  const pending = await ctx.repos.accountTokens.find(hash, 'password_reset', ctx.clock.now());
  const user = pending && (await ctx.repos.users.findById(pending.userId));
  if (!pending || !user) throw new AuthError('invalid_account_token');
  const password = checkNewPassword(newPassword, ctx.config.password, user, '/new_password');
  const passwordHash = await ctx.hasher.hash(password);
  const now = ctx.clock.now();
  const revoked = await ctx.repos.transaction(async (repos) => {
    const redeemed = await repos.accountTokens.redeem(hash, 'password_reset', now);
    // A link mailed to an address the account no longer has is spent without effect.
    if (!redeemed || redeemed.email !== user.email) return undefined;
    await repos.users.setPassword(user.id, passwordHash, now);
    await repos.users.markVerified(user.id, redeemed.email, now);
    await repos.accountTokens.deleteForUser(user.id, 'password_reset');
    await writeAudit(ctx, repos, { action: 'user.password_reset', actorId: user.id, targetId: user.id, ip: request.ip });
    return revokeUserSessionsIn(ctx, repos, { userId: user.id, actorId: user.id, reason: 'password_reset', ip: request.ip });
  });
  if (!revoked) throw new AuthError('invalid_account_token');
  await announceRevocations(ctx, revoked, user.id);
  await ctx.events.publish({ type: 'user.changed', userId: user.id });
  // The lock that a forgotten password often ends in is over once the owner has proved who they are.
  await unlockAccount(ctx, user.id);
  if (user.email !== null) mailPasswordChanged(ctx, { email: user.email, displayName: user.displayName }, request);
}
