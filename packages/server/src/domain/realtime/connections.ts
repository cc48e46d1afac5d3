import { AuthError } from '../../errors/auth-error.js';
import type { DomainContext } from '../context.js';
import { servableUser } from '../accounts/account-status.js';

/** What a user hears about their own account on an open connection. */
export type RealtimeEvent =
  | { readonly type: 'session.revoked'; readonly sessionId: string }
  | { readonly type: 'user.updated'; readonly userId: string };

/** One open connection as the domain sees it; the transport (a WebSocket) sits behind these two callbacks. */
export interface Subscriber {
  readonly userId: string;
  readonly sessionId: string;
  notify(event: RealtimeEvent): void;
  /** The connection must end: its credentials no longer hold, or (a 5xx error) could not be checked. */
  end(reason: AuthError): void;
}

/**
 * The open connections of this process by user, fed by the events bus. A user hears only of their own sessions and
 * profile; a connection ends with its session, and with its account once that may no longer be served.
 */
export class Connections {
  private readonly byUser = new Map<string, Set<Subscriber>>();

  constructor(private readonly ctx: DomainContext) {}

  /** Follows the events bus, for the life of the context. */
  listen(): void {
    this.ctx.events.subscribe((event) => {
      if (event.type === 'session.revoked') this.sessionRevoked(event.userId, event.sessionId);
      else if (event.type === 'user.changed') void this.userChanged(event.userId);
    });
  }

  /**
   * Adds a connection whose credentials were just checked; returns its removal. The check awaited the database, so
   * a revocation announced meanwhile found no subscriber to end: it is looked for again here, in the same tick.
   */
  add(subscriber: Subscriber): () => void {
    if (this.ctx.revokedSessions.has(subscriber.sessionId)) throw new AuthError('session_revoked');
    let subscribers = this.byUser.get(subscriber.userId);
    if (!subscribers) this.byUser.set(subscriber.userId, (subscribers = new Set()));
    subscribers.add(subscriber);
    return () => {
      subscribers.delete(subscriber);
      if (subscribers.size === 0) this.byUser.delete(subscriber.userId);
    };
  }

  private sessionRevoked(userId: string, sessionId: string): void {
    for (const subscriber of this.subscribersOf(userId)) {
      subscriber.notify({ type: 'session.revoked', sessionId });
      if (subscriber.sessionId === sessionId) subscriber.end(new AuthError('session_revoked'));
    }
  }

  /** Suspension and deletion also revoke the sessions; this catches any other change that refuses the account. */
  private async userChanged(userId: string): Promise<void> {
    const subscribers = this.subscribersOf(userId);
    if (subscribers.length === 0) return;
    for (const subscriber of subscribers) subscriber.notify({ type: 'user.updated', userId });
    try {
      await servableUser(this.ctx, userId);
    } catch (error) {
      // Fail closed: a connection whose account cannot be checked is not kept open on trust.
      const reason = error instanceof AuthError ? error : new AuthError('internal_error', { cause: error });
      for (const subscriber of this.subscribersOf(userId)) subscriber.end(reason);
    }
  }

  private subscribersOf(userId: string): Subscriber[] {
    return [...(this.byUser.get(userId) ?? [])];
  }
}
