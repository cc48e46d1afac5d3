import { AuthError } from '../../errors/auth-error.js';
import type { Role } from '../accounts/user.js';
import type { DomainContext } from '../context.js';
import { redeemWsTicket } from '../realtime/ws-tickets.js';
import { authenticateAccessToken } from '../sessions/authenticate.js';

/** What introspection says about a credential (RFC 7662 §2.2). Times are epoch seconds. */
export type Introspection =
  | { readonly active: false }
  | {
      readonly active: true;
      readonly tokenType: 'access_token' | 'ws_ticket';
      readonly userId: string;
      readonly sessionId: string;
      readonly role: Role;
      readonly clientId: string;
      readonly issuedAt?: number;
      readonly expiresAt?: number;
    };

const INACTIVE: Introspection = Object.freeze({ active: false });

/**
 * Access tokens carry no scope: a token may do what its user's role may. These are the API-key scopes that role
 * could hold, so a resource server checks tokens and keys with one vocabulary (@gatehouse/verify derives the same).
 */
export const ROLE_SCOPES: Readonly<Record<Role, readonly string[]>> = {
  admin: ['read', 'write', 'admin'],
  user: ['read', 'write'],
  guest: ['read'],
};

/**
 * RFC 7662 for a resource server: is this credential live right now? The access token goes through the same checks
 * as on every request here (signature, claims, revoked-session set, idle limit, user still servable), and the
 * session row is read as well, so a revocation another instance has not yet heard of is seen too. Any refusal is
 * just `{active: false}` (§2.2: the reason is not disclosed); a failure of the database propagates.
 * A `ws_ticket` is redeemed (single use), as the WebSocket endpoint would.
 */
export async function introspectToken(ctx: DomainContext, token: string, hint: string | undefined): Promise<Introspection> {
  try {
    if (hint === 'ws_ticket') {
      const { user, sessionId } = await redeemWsTicket(ctx, ctx.wsTickets, token);
      return await liveSession(ctx, { tokenType: 'ws_ticket', userId: user.id, sessionId, role: user.role });
    }
    const { user, sessionId, claims } = await authenticateAccessToken(ctx, token);
    return await liveSession(ctx, { tokenType: 'access_token', userId: user.id, sessionId, role: user.role, issuedAt: claims.iat, expiresAt: claims.exp });
  } catch (error) {
    if (error instanceof AuthError) return INACTIVE;
    throw error;
  }
}

type Candidate = Omit<Extract<Introspection, { active: true }>, 'active' | 'clientId'>;

async function liveSession(ctx: DomainContext, candidate: Candidate): Promise<Introspection> {
  const session = await ctx.repos.sessions.findById(candidate.sessionId);
  const live = session !== undefined && session.userId === candidate.userId && session.revokedAt === null && session.expiresAt > ctx.clock.now();
  return live ? { active: true, ...candidate, clientId: session.clientId } : INACTIVE;
}
