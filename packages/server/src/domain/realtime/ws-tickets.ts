import { AuthError } from '../../errors/auth-error.js';
import { randomToken } from '../../security/random-token.js';
import type { WsTickets } from '../../store/ws-tickets.js';
import type { User } from '../accounts/user.js';
import type { DomainContext } from '../context.js';
import { servableUser } from '../accounts/account-status.js';

export const WS_TICKET_TTL_SECONDS = 30;
const TICKET_PREFIX = 'wst_';

/**
 * A single-use ticket that opens one WebSocket for the caller's session (API.md "WebSocket"). Browsers cannot put
 * an Authorization header on an upgrade; a short-lived ticket, spent on use, keeps the access token out of URLs,
 * proxy logs and browser history (OWASP WebSocket Security Cheat Sheet). Only its keyed hash is kept.
 */
export async function issueWsTicket(
  ctx: DomainContext,
  tickets: WsTickets,
  caller: { readonly userId: string; readonly sessionId: string },
): Promise<{ ticket: string; expiresIn: number }> {
  const ticket = randomToken(TICKET_PREFIX);
  await tickets.put(ctx.secrets.hashToken(ticket), { ...caller, expiresAt: ctx.clock.now() + WS_TICKET_TTL_SECONDS * 1000 });
  return { ticket, expiresIn: WS_TICKET_TTL_SECONDS };
}

/**
 * Spends a ticket. It speaks for its session only while that session is live and its user may be served, as the
 * access token it stands in for would.
 */
export async function redeemWsTicket(ctx: DomainContext, tickets: WsTickets, ticket: string): Promise<{ user: User; sessionId: string }> {
  const grant = await tickets.take(ctx.secrets.hashToken(ticket), ctx.clock.now());
  if (!grant) throw new AuthError('invalid_token', { detail: 'The ticket is invalid, expired or already used' });
  if (ctx.revokedSessions.has(grant.sessionId)) throw new AuthError('session_revoked');
  return { user: await servableUser(ctx, grant.userId), sessionId: grant.sessionId };
}
