import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type EventHandler, type EventsBus, type GatehouseEvent, MemoryEventsBus } from './events-bus.js';

export interface RedisEventsBusOptions {
  /** The pub/sub channel; starts with the deployment's REDIS_KEY_PREFIX. */
  readonly channel: string;
  readonly log: Logger;
  /** Epoch ms (the context's clock), for when the subscription was lost. */
  readonly now: () => number;
  /**
   * What may have been announced while this instance was not listening, from the source of truth (the database),
   * since `since` (epoch ms). Called after every re-subscription; the events it returns reach this instance's
   * handlers only, as if they had just arrived.
   */
  readonly catchUp: (since: number) => Promise<readonly GatehouseEvent[]>;
}

/**
 * Other instances' clocks may run behind ours, and a connection may be lost a while before it is noticed: the
 * catch-up looks this much further back than the moment the subscription was known to be lost.
 */
export const CATCH_UP_MARGIN_MS = 60_000;

const CATCH_UP_RETRY_MS = 5_000;

/** Events kept for sending once Redis is back; beyond that the oldest go (the others' catch-up covers an outage). */
const MAX_UNSENT = 10_000;

interface Envelope {
  readonly from: string;
  readonly event: GatehouseEvent;
}

/**
 * The events bus of many instances: Redis pub/sub on one channel, over a connection of its own (a subscribed
 * connection can issue no other commands). This instance's handlers run synchronously inside publish(), so a
 * revocation is in force here before the request that made it answers; the other instances hear it within a round
 * trip. Pub/sub keeps nothing for a listener that is away, so after every (re)subscription the missed events are
 * reloaded through `catchUp`. Redis being away never fails a publish: the database has the change already.
 */
export class RedisEventsBus implements EventsBus {
  private readonly local = new MemoryEventsBus();
  private readonly instanceId = randomUUID();
  private readonly subscriber: Redis;
  private subscribed = false;
  /** Set while not subscribed: the moment from which events may have been missed. */
  private missedSince: number | undefined;
  private closed = false;
  private firstAttempt: Promise<void>;
  /** Events Redis refused; sent again when the publishing connection is back (see publish). */
  private readonly unsent: string[] = [];
  private flushing = false;
  private readonly flushOnReady = () => void this.flushUnsent();

  constructor(
    private readonly publisher: Redis,
    private readonly options: RedisEventsBusOptions,
  ) {
    // Our own re-subscription on 'ready' (not ioredis's automatic one) so the catch-up starts only once Redis has
    // confirmed the subscription: anything published after that is delivered, anything before is in the database.
    this.subscriber = publisher.duplicate({ lazyConnect: true, autoResubscribe: false });
    this.subscriber.on('error', () => {});
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === options.channel) this.receive(message);
    });
    this.subscriber.on('close', () => this.lost());
    let settle: () => void = () => {};
    this.firstAttempt = new Promise<void>((resolve) => (settle = resolve));
    this.subscriber.once('close', settle);
    this.subscriber.on('ready', () => void this.listen().finally(settle));
    publisher.on('ready', this.flushOnReady);
  }

  /**
   * Connects and subscribes; resolves once subscribed or once the first attempt failed (never rejects). Until it
   * succeeds, everything from now on counts as missed and is caught up with on the first subscription.
   */
  async start(): Promise<void> {
    const startedAt = this.options.now();
    await this.subscriber.connect().catch(() => {});
    await this.firstAttempt;
    if (!this.subscribed) this.missedSince ??= startedAt;
  }

  /** Whether other instances' events reach this one right now (subscribed to the channel). */
  get listening(): boolean {
    return this.subscribed;
  }

  /**
   * In force here at once; then sent to the others. If Redis refuses it, the request still succeeds (the change is
   * in the database) and the event is sent again once this instance's connection is back: when only this instance
   * lost Redis, the others stayed subscribed and have nothing to catch up with. Every send goes through one queue,
   * so the others hear this instance's events in order.
   */
  async publish(event: GatehouseEvent): Promise<void> {
    await this.local.publish(event);
    if (this.unsent.length >= MAX_UNSENT) this.unsent.shift();
    this.unsent.push(JSON.stringify({ from: this.instanceId, event } satisfies Envelope));
    await this.flushUnsent();
  }

  subscribe(handler: EventHandler): () => void {
    return this.local.subscribe(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.publisher.off('ready', this.flushOnReady);
    this.subscriber.disconnect();
    await this.local.close();
  }

  private async listen(): Promise<void> {
    try {
      await this.subscriber.subscribe(this.options.channel);
    } catch (error) {
      // The connection dropped again before Redis answered; the next 'ready' tries again.
      this.options.log.warn({ err: error }, 'Redis: could not subscribe to the events channel');
      return;
    }
    this.subscribed = true;
    await this.catchUpMissed();
  }

  private async catchUpMissed(): Promise<void> {
    const since = this.missedSince;
    if (since === undefined) return;
    this.missedSince = undefined;
    try {
      for (const event of await this.options.catchUp(since - CATCH_UP_MARGIN_MS)) this.deliver(event);
    } catch (error) {
      // The database is away too: the gap stays open and is tried again a little later (or on the next subscription).
      this.missedSince = Math.min(since, this.missedSince ?? since);
      this.options.log.error({ err: error }, 'could not catch up with the events missed while Redis was away; retrying');
      const retry = setTimeout(() => {
        if (this.subscribed && !this.closed) void this.catchUpMissed();
      }, CATCH_UP_RETRY_MS);
      retry.unref();
    }
  }

  /** Oldest first; stops at the first failure (the next publish, or the connection's next 'ready', resumes). */
  private async flushUnsent(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.unsent.length > 0 && !this.closed) {
        await this.publisher.publish(this.options.channel, this.unsent[0] as string);
        this.unsent.shift();
      }
    } catch (error) {
      this.options.log.warn({ err: error, unsent: this.unsent.length }, 'Redis unavailable: events not sent to the other instances yet; sent when it is back');
    } finally {
      this.flushing = false;
    }
  }

  private lost(): void {
    if (this.closed || !this.subscribed) return;
    this.subscribed = false;
    this.missedSince ??= this.options.now();
    this.options.log.warn('Redis: events channel lost; other instances’ revocations reach this one again after reconnecting');
  }

  private receive(message: string): void {
    const envelope = parseEnvelope(message);
    if (envelope === undefined) {
      this.options.log.warn('Redis: ignored a malformed message on the events channel');
      return;
    }
    if (envelope.from !== this.instanceId) this.deliver(envelope.event);
  }

  private deliver(event: GatehouseEvent): void {
    this.local.publish(event).catch((error: unknown) => this.options.log.error({ err: error, event: event.type }, 'an events handler failed'));
  }
}

const str = (value: unknown): value is string => typeof value === 'string';

/** Only the events this version knows, with the fields it reads: a newer or foreign publisher cannot crash it. */
function parseEnvelope(message: string): Envelope | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { from, event } = parsed as { from?: unknown; event?: Record<string, unknown> };
  if (!str(from) || typeof event !== 'object' || event === null) return undefined;
  switch (event.type) {
    case 'session.revoked':
      if (str(event.sessionId) && str(event.userId) && typeof event.at === 'number') {
        return { from, event: { type: 'session.revoked', sessionId: event.sessionId, userId: event.userId, at: event.at } };
      }
      return undefined;
    case 'user.changed':
      return str(event.userId) ? { from, event: { type: 'user.changed', userId: event.userId } } : undefined;
    case 'api_key.revoked':
      return str(event.keyId) && str(event.userId) ? { from, event: { type: 'api_key.revoked', keyId: event.keyId, userId: event.userId } } : undefined;
    default:
      return undefined;
  }
}
