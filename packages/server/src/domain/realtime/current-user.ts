import { AuthError } from '../../errors/auth-error.js';
import { statusError } from '../accounts/account-status.js';
import type { User } from '../accounts/user.js';
import type { DomainContext } from '../context.js';

/**
 * The user as of now, if they may still be served; else the error that says why not, as the authenticated
 * request path answers it (a deleted user's credentials are `invalid_token`, a suspended one's `account_suspended`).
 */
export async function servableUser(ctx: DomainContext, userId: string): Promise<User> {
  const user = await ctx.users.get(userId);
  if (!user) throw new AuthError('invalid_token');
  const refused = statusError(user, ctx.clock.now());
  if (refused) throw refused;
  return user;
}
