import type { WsTickets } from '../../store/ws-tickets.js';
import type { User } from '../accounts/user.js';
import type { DomainContext } from '../context.js';
import { authenticateAccessToken, authenticateSessionCookie } from '../sessions/authenticate.js';
import { clientIdFor } from '../sessions/client-id.js';
import { redeemWsTicket } from './ws-tickets.js';

/** How a realtime connection proves who it is. */
export type RealtimeCredential = { readonly kind: 'access_token' | 'ticket' | 'cookie'; readonly value: string };

export interface RealtimeSession {
  readonly user: User;
  readonly sessionId: string;
  readonly clientId: string;
}

/**
 * Opens a realtime connection: the credential must hold now, exactly as for an authenticated request, and the
 * connection counts as a sighting of its device (API.md: connecting registers the device).
 */
export async function connectRealtime(
  ctx: DomainContext,
  tickets: WsTickets,
  credential: RealtimeCredential,
  deviceName: string | undefined,
): Promise<RealtimeSession> {
  const { user, sessionId } = await authenticate(ctx, tickets, credential);
  const device = await deviceOf(ctx, user.id, sessionId, deviceName);
  await ctx.repos.clients.seen(user.id, device.clientId, device.name, ctx.clock.now());
  return { user, sessionId, clientId: device.clientId };
}

function authenticate(ctx: DomainContext, tickets: WsTickets, credential: RealtimeCredential): Promise<{ user: User; sessionId: string }> {
  if (credential.kind === 'ticket') return redeemWsTicket(ctx, tickets, credential.value);
  if (credential.kind === 'cookie') return authenticateSessionCookie(ctx, credential.value);
  return authenticateAccessToken(ctx, credential.value);
}

/** The device named by the connection, else the one its session logged in from. */
async function deviceOf(
  ctx: DomainContext,
  userId: string,
  sessionId: string,
  deviceName: string | undefined,
): Promise<{ clientId: string; name: string | null }> {
  if (deviceName !== undefined) return { clientId: clientIdFor(userId, deviceName), name: deviceName };
  const session = await ctx.repos.sessions.findById(sessionId);
  return { clientId: session?.clientId ?? clientIdFor(userId, null), name: session?.deviceName ?? null };
}
