import type { ProfileChanges } from '../../db/repositories/user-repository.js';
import { AuthError } from '../../errors/auth-error.js';
import { normalizePassword } from '../../security/password-policy.js';
import { writeAudit } from '../audit/audit-entry.js';
import type { DomainContext } from '../context.js';
import type { RequestInfo } from '../sessions/session.js';
import { conflictError } from './create-account.js';
import { sendVerificationBestEffort } from './email-verification.js';
import { checkDisplayName, checkUsername, normalizeEmail } from './identity.js';
import type { User } from './user.js';

export interface ProfileUpdate {
  readonly displayName?: string | null | undefined;
  readonly username?: string | undefined;
  readonly email?: string | undefined;
  /** Required with an email change (ASVS 7.5.1: re-authenticate before changing a credential-recovery channel). */
  readonly currentPassword?: string | undefined;
}

/** The caller's own profile. Role and status are not profile fields and cannot be changed here. */
export async function updateProfile(ctx: DomainContext, userId: string, update: ProfileUpdate, request: RequestInfo): Promise<User> {
  const credentials = await ctx.repos.users.credentialsById(userId);
  if (!credentials) throw new AuthError('not_found');
  const current = credentials.user;
  const changes: { -readonly [K in keyof ProfileChanges]: ProfileChanges[K] } = {};
  if (update.displayName !== undefined) changes.displayName = checkDisplayName(update.displayName);
  if (update.username !== undefined) {
    const username = checkUsername(update.username);
    if (username !== current.username) changes.username = username;
  }
  if (update.email !== undefined) {
    const email = normalizeEmail(update.email);
    if (email !== current.email) {
      if (update.currentPassword === undefined) {
        throw AuthError.validation('/current_password', 'Changing the email needs current_password');
      }
      const { ok } = await ctx.hasher.verify(credentials.passwordHash, normalizePassword(update.currentPassword));
      if (!ok) throw new AuthError('invalid_password');
      changes.email = email;
      changes.isVerified = false;
    }
  }
  if (Object.keys(changes).length === 0) return current;

  let updated: User | undefined;
  try {
    updated = await ctx.repos.transaction(async (repos) => {
      const user = await repos.users.updateAccount(userId, changes, ctx.clock.now());
      if (changes.email) {
        // Links mailed to the old address are bound to it; they must not act on the account any more.
        await repos.accountTokens.deleteForUser(userId, 'email_verification');
        await repos.accountTokens.deleteForUser(userId, 'password_reset');
      }
      await writeAudit(ctx, repos, {
        action: changes.email ? 'user.email_changed' : 'user.updated',
        actorId: userId,
        targetId: userId,
        ip: request.ip,
        details: { fields: Object.keys(changes).filter((field) => field !== 'isVerified') },
      });
      return user;
    });
  } catch (error) {
    throw conflictError(ctx, error) ?? error;
  }
  if (!updated) throw new AuthError('not_found');
  await ctx.events.publish({ type: 'user.changed', userId });
  if (changes.email) await sendVerificationBestEffort(ctx, updated);
  return updated;
}
