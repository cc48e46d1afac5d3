import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EventsBus, type GatehouseEvent, MemoryEventsBus } from '../../src/store/events-bus.js';
import { connectRedis, type RedisConnection } from '../../src/store/redis-client.js';
import { CATCH_UP_MARGIN_MS, RedisEventsBus } from '../../src/store/redis-events-bus.js';
import { describeWithRedis } from '../helpers/redis.js';
import { type OwnRedis, startOwnRedis } from '../helpers/redis-server.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

/** Two instances' view of one bus (for memory, one process has one bus: both are the same). */
interface Pair {
  readonly here: EventsBus;
  readonly there: EventsBus;
}

interface Subject {
  /** Two instances sharing the bus. */
  pair(): Promise<Pair>;
  /** A bus whose medium is away (for memory, which is never away: a plain one). */
  unreachable(): Promise<EventsBus>;
}

const NOW = Date.UTC(2031, 4, 6, 7, 8, 9, 123);
const silent = pino({ level: 'silent' });

const revoked = (n: number): GatehouseEvent => ({ type: 'session.revoked', sessionId: `s${n}`, userId: `u${n}`, at: NOW + n });
const changed = (n: number): GatehouseEvent => ({ type: 'user.changed', userId: `u${n}` });

/** Polls for at most `ms` until `check` holds (remote delivery takes a round trip; no fixed sleeps). */
async function eventually(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await delay(5);
  }
}

function recorder(bus: EventsBus): { events: GatehouseEvent[]; stop: () => void } {
  const events: GatehouseEvent[] = [];
  const stop = bus.subscribe((event) => events.push(event));
  return { events, stop };
}

function contract(name: string, subject: () => Subject): void {
  describe(name, () => {
    let make: Subject;
    beforeAll(() => {
      make = subject();
    });

    it('runs this instance’s handlers synchronously, before publish() returns', async () => {
      const { here } = await make.pair();
      const heard = recorder(here);
      const publishing = here.publish(revoked(1));
      expect(heard.events).toEqual([revoked(1)]);
      await publishing;
      expect(heard.events).toEqual([revoked(1)]);
    });

    it('delivers to the other instance, and to each handler once (no echo of its own events)', async () => {
      const { here, there } = await make.pair();
      const heardHere = recorder(here);
      const heardThere = recorder(there);
      await here.publish(revoked(1));
      await eventually(() => heardThere.events.length >= 1);
      // Published after the first one reached Redis: by the time it arrives here, an echo of the first would have too.
      await there.publish(changed(2));
      await eventually(() => heardHere.events.length >= 2);
      expect(heardHere.events).toEqual([revoked(1), changed(2)]);
      expect(heardThere.events).toEqual([revoked(1), changed(2)]);
    });

    it('carries every kind of event whole', async () => {
      const { here, there } = await make.pair();
      const heardThere = recorder(there);
      const events: GatehouseEvent[] = [revoked(1), changed(2), { type: 'api_key.revoked', keyId: 'k3', userId: 'u3' }];
      for (const event of events) await here.publish(event);
      await eventually(() => heardThere.events.length >= 3);
      expect(heardThere.events).toEqual(events);
    });

    it('stops delivering to a handler once unsubscribed, here and there', async () => {
      const { here, there } = await make.pair();
      const goneHere = recorder(here);
      const goneThere = recorder(there);
      const witness = recorder(there);
      goneHere.stop();
      goneThere.stop();
      await here.publish(revoked(1));
      await eventually(() => witness.events.length >= 1);
      expect(goneHere.events).toEqual([]);
      expect(goneThere.events).toEqual([]);
    });

    it('publishes without failing while its medium is away, and still delivers here', async () => {
      const bus = await make.unreachable();
      const heard = recorder(bus);
      await expect(bus.publish(revoked(1))).resolves.toBeUndefined();
      expect(heard.events).toEqual([revoked(1)]);
    });
  });
}

contract('MemoryEventsBus', () => {
  const buses: EventsBus[] = [];
  afterEach(async () => {
    for (const bus of buses.splice(0)) await bus.close();
  });
  return {
    async pair() {
      const bus = new MemoryEventsBus();
      buses.push(bus);
      return { here: bus, there: bus };
    },
    async unreachable() {
      const bus = new MemoryEventsBus();
      buses.push(bus);
      return bus;
    },
  };
});

describeWithRedis('RedisEventsBus', (url) => {
  const opened: Array<{ bus: RedisEventsBus; connection: RedisConnection }> = [];
  afterEach(async () => {
    for (const { bus, connection } of opened.splice(0)) {
      await bus.close();
      connection.close();
    }
  });

  async function open(redisUrl: string, channel: string, catchUp = async (_since: number): Promise<GatehouseEvent[]> => []) {
    const connection = await connectRedis(redisUrl);
    const bus = new RedisEventsBus(connection.client, { channel, log: silent, now: () => NOW, catchUp });
    opened.push({ bus, connection });
    await bus.start();
    return { bus, connection };
  }
  const newChannel = () => `test-${randomBytes(6).toString('hex')}:events`;

  contract('contract', () => ({
    async pair() {
      const channel = newChannel();
      return { here: (await open(url, channel)).bus, there: (await open(url, channel)).bus };
    },
    async unreachable() {
      return (await open('redis://127.0.0.1:1', newChannel())).bus;
    },
  }));

  it('ignores malformed and unknown messages on its channel and keeps delivering', async () => {
    const channel = newChannel();
    const { bus, connection } = await open(url, channel);
    const heard = recorder(bus);
    for (const message of ['not json', '42', '{"from":"x"}', '{"from":"x","event":{"type":"user.changed"}}', '{"from":"x","event":{"type":"mystery"}}']) {
      await connection.client.publish(channel, message);
    }
    await connection.client.publish(channel, JSON.stringify({ from: 'another-instance', event: changed(7) }));
    await eventually(() => heard.events.length >= 1);
    expect(heard.events).toEqual([changed(7)]);
  });

  it('keeps to its own channel (REDIS_KEY_PREFIX): another deployment’s events do not reach it', async () => {
    const channel = newChannel();
    const { bus } = await open(url, channel);
    const other = (await open(url, newChannel())).bus;
    const heard = recorder(bus);
    const witness = recorder(other);
    await other.publish(revoked(1));
    const { bus: peer } = await open(url, channel);
    await peer.publish(changed(2));
    await eventually(() => heard.events.length >= 1);
    expect(witness.events).toEqual([revoked(1)]);
    expect(heard.events).toEqual([changed(2)]);
  });

  describe('when only one instance loses Redis', () => {
    let proxy: TcpProxy;
    beforeAll(async () => {
      proxy = await startTcpProxy(url);
    });
    afterAll(() => proxy?.close());

    it('sends what Redis refused, in order, once its connection is back (the others stayed subscribed)', async () => {
      const channel = newChannel();
      const asked: number[] = [];
      const { bus: cutOff } = await open(proxy.url, channel, async (since) => {
        asked.push(since);
        return [];
      });
      const { bus: peer } = await open(url, channel);
      const heardByPeer = recorder(peer);
      const heardHere = recorder(cutOff);

      proxy.cut();
      await eventually(() => !cutOff.listening);
      await expect(cutOff.publish(revoked(1))).resolves.toBeUndefined();
      await expect(cutOff.publish(changed(2))).resolves.toBeUndefined();
      expect(heardHere.events).toEqual([revoked(1), changed(2)]);

      proxy.restore();
      await eventually(() => heardByPeer.events.length >= 2, 10_000);
      expect(heardByPeer.events).toEqual([revoked(1), changed(2)]);
      await eventually(() => cutOff.listening, 10_000);
      await cutOff.publish(revoked(3));
      await eventually(() => heardByPeer.events.length >= 3);
      expect(heardByPeer.events).toEqual([revoked(1), changed(2), revoked(3)]);
      // Its own events, sent late, are no news to it; and it caught up with what it may have missed meanwhile.
      expect(heardHere.events).toEqual([revoked(1), changed(2), revoked(3)]);
      expect(asked).toEqual([NOW - CATCH_UP_MARGIN_MS]);
    });
  });

  describe('when Redis goes away and comes back', () => {
    let redis: OwnRedis;
    beforeAll(async () => {
      redis = await startOwnRedis();
    });
    afterAll(() => redis?.stop());

    it('catches up from the source of truth after re-subscribing, delivering what it returns here only', async () => {
      const channel = newChannel();
      const asked: number[] = [];
      const missed = revoked(9);
      const { bus } = await open(redis.url, channel, async (since) => {
        asked.push(since);
        return [missed];
      });
      const heard = recorder(bus);
      const peer = (await open(redis.url, channel)).bus;
      const heardByPeer = recorder(peer);

      await redis.stop();
      await eventually(() => !bus.listening);
      await expect(bus.publish(changed(1))).resolves.toBeUndefined();
      expect(heard.events).toEqual([changed(1)]);
      expect(asked).toEqual([]);

      await redis.start();
      await eventually(() => heard.events.length === 2, 10_000);
      // Looked back from when the subscription was lost (the clock says NOW), with the margin.
      expect(asked).toEqual([NOW - CATCH_UP_MARGIN_MS]);
      expect(heard.events).toEqual([changed(1), missed]);
      expect(bus.listening).toBe(true);

      // Subscribed again: the peer (once it too is back) hears it, and it hears the peer.
      await eventually(() => peer.listening, 10_000);
      await bus.publish(revoked(2));
      const isS2 = (event: GatehouseEvent) => event.type === 'session.revoked' && event.sessionId === 's2';
      await eventually(() => heardByPeer.events.some(isS2));
      expect(heardByPeer.events.filter(isS2)).toHaveLength(1);
      await peer.publish(changed(3));
      await eventually(() => heard.events.length >= 4);
      expect(heard.events.at(-1)).toEqual(changed(3));
      expect(heardByPeer.events).not.toContainEqual(missed);
    });

    it('catches up once it first subscribes when Redis was away at start', async () => {
      await redis.stop();
      const asked: number[] = [];
      const { bus } = await open(redis.url, newChannel(), async (since) => {
        asked.push(since);
        return [];
      });
      expect(asked).toEqual([]);
      await redis.start();
      await eventually(() => asked.length === 1, 10_000);
      expect(asked).toEqual([NOW - CATCH_UP_MARGIN_MS]);
      expect(bus.listening).toBe(true);
    });
  });
});
