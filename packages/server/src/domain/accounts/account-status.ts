import { AuthError } from '../../errors/auth-error.js';
import type { DomainContext } from '../context.js';
import type { User } from './user.js';

/** A timed suspension ends by itself at `suspendedUntil`, even before the job that clears the flag has run. */
export function isSuspendedAt(user: User, now: number): boolean {
  return user.isSuspended && (user.suspendedUntil === null || user.suspendedUntil > now);
}

/** The account-state error for a user who may not use the service now, if any (inactive wins over suspended). */
export function statusError(user: User, now: number): AuthError | undefined {
  if (!user.isActive) return new AuthError('account_inactive');
  if (isSuspendedAt(user, now)) return new AuthError('account_suspended');
  return undefined;
}

/**
 * The user as of now (from the in-memory user cache), if they may still be served; else the error every
 * authenticated path answers: a deleted user's credentials are `invalid_token`, a suspended one's `account_suspended`.
 */
export async function servableUser(ctx: DomainContext, userId: string): Promise<User> {
  const user = await ctx.users.get(userId);
  if (!user) throw new AuthError('invalid_token');
  const refused = statusError(user, ctx.clock.now());
  if (refused) throw refused;
  return user;
}
