import { AuthError } from '../../errors/auth-error.js';
import { statusError } from '../accounts/account-status.js';
import type { DomainContext } from '../context.js';
import { announceRevocation, revokeSessionIn } from '../sessions/revoke-session.js';
import type { RequestInfo, Session } from '../sessions/session.js';
import { issueTokenPair, REFRESH_TOKEN_PREFIX, successorOf, type TokenPair } from './token-pair.js';

const MAX_REFRESH_TOKEN_LENGTH = 128;

type Outcome =
  | { readonly kind: 'rotated' | 'replayed'; readonly session: Session }
  | { readonly kind: 'reused' | 'idle'; readonly session: Session }
  | { readonly kind: 'invalid' };

/**
 * Rotates a refresh token (RFC 9700 §4.14.2). The presented token is redeemed atomically; its successor is derived
 * from it, so a retry within REFRESH_REUSE_GRACE_SECONDS, while the successor is unused, gets the same successor
 * (never a second live branch). Any other replay revokes the whole session. The login's absolute expiry holds.
 */
export async function refreshSession(ctx: DomainContext, presented: string, request: RequestInfo): Promise<TokenPair> {
  if (!presented.startsWith(REFRESH_TOKEN_PREFIX) || presented.length > MAX_REFRESH_TOKEN_LENGTH) {
    throw new AuthError('invalid_refresh_token');
  }
  const tokenHash = ctx.secrets.hashToken(presented);
  const successor = successorOf(ctx, presented);
  const successorHash = ctx.secrets.hashToken(successor);
  const now = ctx.clock.now();
  const live = (session: Session | undefined): session is Session => !!session && session.revokedAt === null && session.expiresAt > now;
  // SESSION_IDLE_MINUTES: recorded activity (every instance's, to within a minute) or this process's, whichever is later.
  const idle = (session: Session) =>
    ctx.config.sessionIdleMs !== undefined &&
    now - Math.max(session.lastActiveAt, ctx.sessionUse.lastSeen(session.id) ?? 0) > ctx.config.sessionIdleMs;

  const outcome = await ctx.repos.transaction(async (repos): Promise<Outcome> => {
    const redeemed = await repos.refreshTokens.consume(tokenHash, now);
    if (redeemed) {
      const session = await repos.sessions.findById(redeemed.sessionId);
      if (!live(session)) return { kind: 'invalid' };
      if (idle(session)) {
        await revokeSessionIn(ctx, repos, { sessionId: session.id, userId: session.userId, actorId: null, reason: 'idle_timeout', ip: request.ip });
        return { kind: 'idle', session };
      }
      await repos.refreshTokens.insert(successorHash, session.id, now);
      await repos.sessions.recordActivity(session.id, now);
      return { kind: 'rotated', session };
    }
    const spent = await repos.refreshTokens.find(tokenHash);
    if (!spent) return { kind: 'invalid' };
    const session = await repos.sessions.findById(spent.sessionId);
    if (!live(session)) return { kind: 'invalid' };
    const next = await repos.refreshTokens.find(successorHash);
    const grace = ctx.config.refreshGraceSeconds * 1000;
    const withinGrace = grace > 0 && spent.usedAt !== null && now - spent.usedAt <= grace;
    if (withinGrace && next && next.usedAt === null) return { kind: 'replayed', session };
    await revokeSessionIn(ctx, repos, {
      sessionId: session.id,
      userId: session.userId,
      actorId: null,
      reason: 'refresh_token_reuse',
      ip: request.ip,
    });
    return { kind: 'reused', session };
  });

  if (outcome.kind === 'invalid') throw new AuthError('invalid_refresh_token');
  if (outcome.kind === 'reused') ctx.telemetry.refreshReuseDetected();
  if (outcome.kind === 'reused' || outcome.kind === 'idle') {
    await announceRevocation(ctx, outcome.session.id, outcome.session.userId);
    throw new AuthError('invalid_refresh_token');
  }
  // Account state is read fresh: a suspended, deactivated or deleted user gets no new tokens.
  const user = await ctx.repos.users.findById(outcome.session.userId);
  if (!user || statusError(user, now)) throw new AuthError('invalid_refresh_token');
  return issueTokenPair(ctx, user, outcome.session, successor);
}
