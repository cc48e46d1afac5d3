import type { User } from '../accounts/user.js';
import type { DomainContext } from '../context.js';
import type { Session } from '../sessions/session.js';

export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
  /** Seconds left until the login's absolute expiry; counts down across rotations. */
  readonly refreshExpiresIn: number;
  readonly sessionId: string;
}

export const REFRESH_TOKEN_PREFIX = 'rt_';

export async function issueTokenPair(ctx: DomainContext, user: User, session: Session, refreshToken: string): Promise<TokenPair> {
  const access = await ctx.accessTokens.issue({ userId: user.id, sessionId: session.id, role: user.role, notAfter: session.expiresAt });
  return {
    accessToken: access.token,
    refreshToken,
    expiresIn: access.expiresIn,
    refreshExpiresIn: Math.max(0, Math.floor((session.expiresAt - ctx.clock.now()) / 1000)),
    sessionId: session.id,
  };
}

/** The token a refresh token rotates into: derived, not stored, so a retry within the grace window gets it again. */
export function successorOf(ctx: DomainContext, refreshToken: string): string {
  return ctx.secrets.deriveToken(REFRESH_TOKEN_PREFIX, 'refresh-successor', refreshToken);
}
