import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../../src/store/redis-client.js';
import { RedisWsTickets } from '../../src/store/redis-ws-tickets.js';
import { MemoryWsTickets, type WsTickets } from '../../src/store/ws-tickets.js';
import { describeWithRedis } from '../helpers/redis.js';

// Far from the real clock and not round: nothing may lean on Date.now() or truncated numbers.
const NOW = Date.UTC(2031, 4, 6, 7, 8, 9, 123);
const TTL = 30_000;
const grant = (sessionId: string) => ({ userId: 'user-1', sessionId, expiresAt: NOW + TTL });

/** What every WebSocket ticket store must do. */
function contract(name: string, make: () => WsTickets): void {
  describe(name, () => {
    it('gives the grant once, then never again', async () => {
      const tickets = make();
      await tickets.put('hash-a', grant('s1'));
      expect(await tickets.take('hash-a', NOW)).toEqual(grant('s1'));
      expect(await tickets.take('hash-a', NOW)).toBeUndefined();
      expect(await tickets.take('hash-unknown', NOW)).toBeUndefined();
    });

    it('gives nothing from expiresAt on, and the expired ticket is gone', async () => {
      const tickets = make();
      await tickets.put('hash-a', grant('s1'));
      await tickets.put('hash-b', grant('s2'));
      expect(await tickets.take('hash-a', NOW + TTL - 1)).toEqual(grant('s1'));
      expect(await tickets.take('hash-b', NOW + TTL)).toBeUndefined();
      expect(await tickets.take('hash-b', NOW)).toBeUndefined();
    });

    it('lets exactly one of two concurrent redemptions win', async () => {
      const tickets = make();
      await tickets.put('hash-a', grant('s1'));
      const results = await Promise.all([tickets.take('hash-a', NOW), tickets.take('hash-a', NOW)]);
      expect(results.filter((result) => result !== undefined)).toEqual([grant('s1')]);
    });
  });
}

contract('MemoryWsTickets', () => new MemoryWsTickets());

describeWithRedis('RedisWsTickets', (url) => {
  const connections: Awaited<ReturnType<typeof connectRedis>>[] = [];
  const connect = async () => {
    const connection = await connectRedis(url);
    connections.push(connection);
    return connection.client;
  };
  afterAll(() => {
    for (const connection of connections) connection.close();
  });
  const prefix = () => `test-${randomBytes(6).toString('hex')}:ws-ticket:`;

  let client: Redis;
  beforeAll(async () => {
    client = await connect();
  });
  contract('RedisWsTickets', () => new RedisWsTickets(client, prefix()));

  it('redeems on one instance a ticket issued on another, once', async () => {
    const shared = prefix();
    const [a, b] = [new RedisWsTickets(await connect(), shared), new RedisWsTickets(await connect(), shared)];
    await a.put('hash-a', grant('s1'));
    const results = await Promise.all([b.take('hash-a', NOW), a.take('hash-a', NOW)]);
    expect(results.filter((result) => result !== undefined)).toEqual([grant('s1')]);
  });

  it('while Redis is away, issues into this process (redeemable here) instead of failing', async () => {
    const down = (await connectRedis('redis://127.0.0.1:1')).client;
    const tickets = new RedisWsTickets(down, prefix());
    await tickets.put('hash-a', grant('s1'));
    expect(await tickets.take('hash-a', NOW)).toEqual(grant('s1'));
    expect(await tickets.take('hash-b', NOW)).toBeUndefined();
    down.disconnect();
  });
});

describe('MemoryWsTickets', () => {
  it('stays within its size: when full, the oldest ticket gives way', async () => {
    const tickets = new MemoryWsTickets(2);
    for (const hash of ['hash-a', 'hash-b', 'hash-c']) await tickets.put(hash, grant(hash));
    expect(await tickets.take('hash-a', NOW)).toBeUndefined();
    expect(await tickets.take('hash-b', NOW)).toEqual(grant('hash-b'));
    expect(await tickets.take('hash-c', NOW)).toEqual(grant('hash-c'));
  });
});
