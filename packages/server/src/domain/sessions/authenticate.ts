import { AuthError } from '../../errors/auth-error.js';
import type { AccessClaims } from '../../security/access-tokens.js';
import { statusError } from '../accounts/account-status.js';
import type { User } from '../accounts/user.js';
import type { ApiKeyPrincipal } from '../api-keys/authenticate-api-key.js';
import type { DomainContext } from '../context.js';

/** A caller that logged in: an access token (or, later, a session cookie) of a session. */
export interface SessionPrincipal {
  readonly kind: 'session';
  readonly user: User;
  readonly sessionId: string;
  readonly claims: AccessClaims;
}

/** Who is calling: a session, or an API key acting for its owner within its scopes. */
export type Principal = SessionPrincipal | ApiKeyPrincipal;

/**
 * The authenticated hot path: signature and claims (cached per token), then the revoked-session set and the user
 * cache, both in memory. Role and status come from the current user record, not the token, so a demotion or
 * suspension applies at once (ASVS 8.3.2).
 */
export async function authenticateAccessToken(ctx: DomainContext, token: string): Promise<SessionPrincipal> {
  const claims = await ctx.accessTokens.verify(token);
  if (ctx.revokedSessions.has(claims.sid)) throw new AuthError('session_revoked');
  const now = ctx.clock.now();
  if (idleTooLong(ctx, claims.sid, claims.iat * 1000, now)) throw new AuthError('session_revoked');
  ctx.sessionUse.touch(claims.sid, now);
  const user = await ctx.users.get(claims.sub);
  if (!user) throw new AuthError('invalid_token');
  const refused = statusError(user, now);
  if (refused) throw refused;
  return { kind: 'session', user, sessionId: claims.sid, claims };
}

/**
 * SESSION_IDLE_MINUTES on the hot path: the last use this process saw, or the token's issue time (a login or refresh
 * is use too), whichever is later. The refresh path checks the recorded activity of every instance.
 */
function idleTooLong(ctx: DomainContext, sessionId: string, issuedAt: number, now: number): boolean {
  const idle = ctx.config.sessionIdleMs;
  if (idle === undefined) return false;
  return now - Math.max(issuedAt, ctx.sessionUse.lastSeen(sessionId) ?? 0) > idle;
}
