/** What a WebSocket ticket grants: one connection for this session of this user, until `expiresAt` (epoch ms). */
export interface WsTicketGrant {
  readonly userId: string;
  readonly sessionId: string;
  readonly expiresAt: number;
}

/**
 * Single-use WebSocket tickets, keyed by the ticket's hash. take() is the only way to redeem one: it removes the
 * ticket and returns its grant in one step, so two upgrades racing with one ticket cannot both win.
 */
export interface WsTickets {
  put(ticketHash: string, grant: WsTicketGrant): Promise<void>;
  /** The grant, if the ticket exists and has not expired at `now`; either way the ticket is gone afterwards. */
  take(ticketHash: string, now: number): Promise<WsTicketGrant | undefined>;
}

/** This process's tickets: enough for one instance, whose upgrades can only redeem tickets it issued itself. */
export class MemoryWsTickets implements WsTickets {
  private readonly tickets = new Map<string, WsTicketGrant>();

  constructor(private readonly maxSize = 10_000) {}

  async put(ticketHash: string, grant: WsTicketGrant): Promise<void> {
    // Bounded whatever the rate of issue. Every ticket lives equally long, so the oldest one, dropped first, is
    // already expired or the closest to it; unredeemed expired ones are cleared this way too.
    if (this.tickets.size >= this.maxSize) this.tickets.delete(this.tickets.keys().next().value as string);
    this.tickets.set(ticketHash, grant);
  }

  async take(ticketHash: string, now: number): Promise<WsTicketGrant | undefined> {
    const grant = this.tickets.get(ticketHash);
    if (grant === undefined) return undefined;
    this.tickets.delete(ticketHash);
    return grant.expiresAt > now ? grant : undefined;
  }
}
