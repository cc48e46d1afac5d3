import { AuthError } from '../../errors/auth-error.js';
import { writeAudit } from '../audit/audit-entry.js';
import type { DomainContext } from '../context.js';
import type { RequestInfo } from '../sessions/session.js';
import { accountTokenHash, issueAccountToken } from './account-tokens.js';
import { mailVerificationLink, showsDevTokens } from './notices.js';
import type { User } from './user.js';

export type VerificationRequest = { readonly alreadyVerified: true } | { readonly alreadyVerified: false; readonly devToken: string | undefined };

/** Mails a fresh verification link to the user's current address (the previous link stops working). */
export async function sendVerification(ctx: DomainContext, user: { id: string; email: string; displayName: string | null }): Promise<string> {
  const token = await issueAccountToken(ctx, ctx.repos, 'email_verification', user);
  await ctx.repos.accountTokens.keepNewest(user.id, 'email_verification');
  mailVerificationLink(ctx, user, token);
  return token;
}

/** Sign-up and an email change mail the link too; a failure there must not undo them, the person can ask again. */
export async function sendVerificationBestEffort(ctx: DomainContext, user: User): Promise<void> {
  if (user.email === null || user.isVerified) return;
  const { email, id, displayName } = user;
  await sendVerification(ctx, { id, email, displayName }).catch((error: unknown) =>
    ctx.log.error({ err: error, userId: id }, 'could not issue the sign-up verification mail'),
  );
}

export async function requestVerification(ctx: DomainContext, userId: string): Promise<VerificationRequest> {
  const user = await ctx.repos.users.findById(userId);
  if (!user) throw new AuthError('not_found');
  if (user.isVerified) return { alreadyVerified: true };
  if (user.email === null) throw AuthError.validation('/email', 'This account has no email address to verify; add one with PATCH /users/me');
  const token = await sendVerification(ctx, { id: user.id, email: user.email, displayName: user.displayName });
  return { alreadyVerified: false, devToken: showsDevTokens(ctx) ? token : undefined };
}

/**
 * Redeems a verification token. It is single use (deleted as it is redeemed) and verifies only the address it was
 * mailed to: if the email changed since, the token is spent and nothing is verified.
 */
export async function confirmVerification(ctx: DomainContext, presented: string, request: RequestInfo): Promise<User> {
  const hash = accountTokenHash(ctx, 'email_verification', presented);
  if (!hash) throw new AuthError('invalid_account_token');
  const now = ctx.clock.now();
  const user = await ctx.repos.transaction(async (repos) => {
    const redeemed = await repos.accountTokens.redeem(hash, 'email_verification', now);
    if (!redeemed) return undefined;
    const verified = await repos.users.markVerified(redeemed.userId, redeemed.email, now);
    if (verified) await writeAudit(ctx, repos, { action: 'user.email_verified', actorId: verified.id, targetId: verified.id, ip: request.ip });
    return verified;
  });
  if (!user) throw new AuthError('invalid_account_token');
  await ctx.events.publish({ type: 'user.changed', userId: user.id });
  return user;
}
