import type { AuthError } from '../../errors/auth-error.js';
import type { DomainContext } from '../context.js';
import { lockError, lockoutKey } from '../sessions/lockout.js';
import { findCredentials } from '../sessions/login.js';

/**
 * The `account_locked` refusal for a login identifier that is locked right now, else undefined. Asked only when a
 * login is over a rate limit, so the lookup costs nothing on the common path.
 */
export async function loginLock(ctx: DomainContext, identifier: string): Promise<AuthError | undefined> {
  if (!ctx.config.lockout.enabled) return undefined;
  const name = identifier.trim();
  const found = await findCredentials(ctx, name);
  return lockError(ctx, lockoutKey(found?.user.id, name));
}
