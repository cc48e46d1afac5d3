import type { Redis } from 'ioredis';
import { MemoryWsTickets, type WsTicketGrant, type WsTickets } from './ws-tickets.js';

/**
 * Redis keeps a ticket at most this long; take() also checks the grant's own expiry, so the key's lifetime only
 * bounds memory (tickets last 30 s, and Redis's clock need not agree with the instances').
 */
const KEY_LIFETIME_MS = 5 * 60_000;

/**
 * Tickets every instance can redeem: one issued on A opens a WebSocket on B behind a load balancer. GETDEL hands a
 * ticket to exactly one of two racing upgrades. While Redis is away, tickets are issued into this process's memory
 * (then only this instance can redeem them) rather than refused.
 */
export class RedisWsTickets implements WsTickets {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly local: WsTickets = new MemoryWsTickets(),
  ) {}

  async put(ticketHash: string, grant: WsTicketGrant): Promise<void> {
    try {
      await this.redis.set(this.prefix + ticketHash, JSON.stringify(grant), 'PX', KEY_LIFETIME_MS);
    } catch {
      await this.local.put(ticketHash, grant);
    }
  }

  async take(ticketHash: string, now: number): Promise<WsTicketGrant | undefined> {
    const local = await this.local.take(ticketHash, now);
    if (local) return local;
    let stored: string | null;
    try {
      stored = await this.redis.getdel(this.prefix + ticketHash);
    } catch {
      return undefined;
    }
    if (stored === null) return undefined;
    const grant = JSON.parse(stored) as WsTicketGrant;
    return grant.expiresAt > now ? grant : undefined;
  }
}
