/** What one part of Gatehouse tells the others (and, with Redis, the other instances). */
export type GatehouseEvent =
  | { readonly type: 'session.revoked'; readonly sessionId: string; readonly userId: string; readonly at: number }
  | { readonly type: 'user.changed'; readonly userId: string }
  | { readonly type: 'api_key.revoked'; readonly keyId: string; readonly userId: string };

export type EventHandler = (event: GatehouseEvent) => void;

export interface EventsBus {
  publish(event: GatehouseEvent): Promise<void>;
  subscribe(handler: EventHandler): () => void;
  close(): Promise<void>;
}

/** Single-process bus: handlers run synchronously, so a revocation is in force before publish() returns. */
export class MemoryEventsBus implements EventsBus {
  private readonly handlers = new Set<EventHandler>();

  async publish(event: GatehouseEvent): Promise<void> {
    for (const handler of this.handlers) handler(event);
  }

  subscribe(handler: EventHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
