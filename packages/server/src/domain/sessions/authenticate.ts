import { AuthError } from '../../errors/auth-error.js';
import type { AccessClaims } from '../../security/access-tokens.js';
import { servableUser } from '../accounts/account-status.js';
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

/** A browser with the session cookie; its state-changing requests must pass the CSRF check. */
export interface CookiePrincipal {
  readonly kind: 'cookie';
  readonly user: User;
  readonly sessionId: string;
}

/** Who is calling: a session (by access token or cookie), or an API key acting for its owner within its scopes. */
export type Principal = SessionPrincipal | CookiePrincipal | ApiKeyPrincipal;

/**
 * The authenticated hot path: signature and claims (cached per token), then the revoked-session set and the user
 * cache, both in memory. Role and status come from the current user record, not the token, so a demotion or
 * suspension applies at once (ASVS 8.3.2).
 */
export async function authenticateAccessToken(ctx: DomainContext, token: string): Promise<SessionPrincipal> {
  const claims = await ctx.accessTokens.verify(token);
  const user = await sessionUser(ctx, claims.sid, claims.sub, claims.iat * 1000);
  return { kind: 'session', user, sessionId: claims.sid, claims };
}

/** A browser session cookie: sealed by us (no database), then the same revocation, idle and status checks. */
export async function authenticateSessionCookie(ctx: DomainContext, cookie: string): Promise<CookiePrincipal> {
  const now = ctx.clock.now();
  const opened = ctx.sessionCookies.open(cookie, now);
  if (!opened) throw new AuthError('invalid_token');
  // A cookie has no issue time: the idle clock runs from the last use this process saw (none seen yet: now).
  const user = await sessionUser(ctx, opened.sessionId, opened.userId, ctx.sessionUse.lastSeen(opened.sessionId) ?? now);
  return { kind: 'cookie', user, sessionId: opened.sessionId };
}

async function sessionUser(ctx: DomainContext, sessionId: string, userId: string, issuedAt: number): Promise<User> {
  if (ctx.revokedSessions.has(sessionId)) throw new AuthError('session_revoked');
  const now = ctx.clock.now();
  if (idleTooLong(ctx, sessionId, issuedAt, now)) throw new AuthError('session_revoked');
  ctx.sessionUse.touch(sessionId, now);
  return servableUser(ctx, userId);
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
