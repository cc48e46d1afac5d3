import { AuthError } from '../../errors/auth-error.js';
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
