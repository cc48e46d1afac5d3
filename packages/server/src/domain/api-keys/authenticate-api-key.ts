import { AuthError } from '../../errors/auth-error.js';
import { servableUser } from '../accounts/account-status.js';
import type { User } from '../accounts/user.js';
import type { DomainContext } from '../context.js';
import { API_KEY_PREFIX, type Scope } from './api-key.js';

export interface ApiKeyPrincipal {
  readonly kind: 'api_key';
  readonly user: User;
  readonly keyId: string;
  readonly scopes: readonly Scope[];
}

const MAX_KEY_LENGTH = 128;

/**
 * Authenticates an API key from memory (hash lookup in the key cache, owner from the user cache): the key acts as
 * its owner, so a suspended or deactivated owner's keys stop at once. Use is noted for last_used_at.
 */
export async function authenticateApiKey(ctx: DomainContext, presented: string): Promise<ApiKeyPrincipal> {
  if (!presented.startsWith(API_KEY_PREFIX) || presented.length > MAX_KEY_LENGTH) throw new AuthError('invalid_token');
  const key = await ctx.apiKeys.get(ctx.secrets.hashToken(presented));
  if (!key) throw new AuthError('invalid_token');
  const now = ctx.clock.now();
  if (key.expiresAt !== null && key.expiresAt <= now) throw new AuthError('token_expired', { detail: 'The API key has expired; create a new one' });
  const user = await servableUser(ctx, key.userId);
  ctx.apiKeyUse.touch(key.id, now);
  return { kind: 'api_key', user, keyId: key.id, scopes: key.scopes };
}
