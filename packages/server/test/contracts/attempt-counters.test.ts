import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryAttemptCounters, type AttemptCounters } from '../../src/store/attempt-counters.js';
import { FallbackAttemptCounters } from '../../src/store/fallback-attempt-counters.js';
import { RedisAttemptCounters } from '../../src/store/redis-attempt-counters.js';
import { connectRedis } from '../../src/store/redis-client.js';
import { describeWithRedis } from '../helpers/redis.js';

interface Subject {
  readonly counters: AttemptCounters;
  cleanup(): Promise<void>;
}

const WINDOW = 15 * 60_000;
// Far from the real clock and not round: nothing may lean on Redis TIME, Date.now() or truncated numbers.
const NOW = Date.UTC(2031, 4, 6, 7, 8, 9, 123);
const CLOSED_PORT_URL = 'redis://127.0.0.1:1';

function contract(name: string, make: () => Promise<Subject>): void {
  describe(name, () => {
    let subject: Subject;
    let counters: AttemptCounters;
    beforeEach(async () => {
      subject = await make();
      counters = subject.counters;
    });
    afterEach(() => subject.cleanup());

    it('starts a counter at 1 with resetAt one window ahead', async () => {
      expect(await counters.hit('alice', NOW, WINDOW)).toEqual({ count: 1, resetAt: NOW + WINDOW });
    });

    it('counts up within the window and keeps resetAt', async () => {
      await counters.hit('alice', NOW, WINDOW);
      expect(await counters.hit('alice', NOW + 1_000, WINDOW)).toEqual({ count: 2, resetAt: NOW + WINDOW });
      expect(await counters.hit('alice', NOW + WINDOW - 1, 5)).toEqual({ count: 3, resetAt: NOW + WINDOW });
    });

    it('starts again at 1 from resetAt on', async () => {
      await counters.hit('alice', NOW, WINDOW);
      await counters.hit('alice', NOW, WINDOW);
      expect(await counters.hit('alice', NOW + WINDOW, WINDOW)).toEqual({ count: 1, resetAt: NOW + 2 * WINDOW });
      expect(await counters.hit('alice', NOW + 5 * WINDOW, 10)).toEqual({ count: 1, resetAt: NOW + 5 * WINDOW + 10 });
    });

    it('peeks without counting, and sees nothing for absent or expired counters', async () => {
      expect(await counters.peek('alice', NOW)).toBeUndefined();
      await counters.hit('alice', NOW, WINDOW);
      expect(await counters.peek('alice', NOW + WINDOW - 1)).toEqual({ count: 1, resetAt: NOW + WINDOW });
      expect(await counters.peek('alice', NOW + WINDOW - 1)).toEqual({ count: 1, resetAt: NOW + WINDOW });
      expect(await counters.peek('alice', NOW + WINDOW)).toBeUndefined();
    });

    it('extends resetAt, and hits between the old and the new one keep counting', async () => {
      await counters.hit('alice', NOW, WINDOW);
      await counters.hit('alice', NOW, WINDOW);
      const lockedUntil = NOW + 4 * WINDOW;
      await counters.extend('alice', lockedUntil, NOW + 1);
      expect(await counters.peek('alice', NOW + WINDOW)).toEqual({ count: 2, resetAt: lockedUntil });
      expect(await counters.hit('alice', NOW + 2 * WINDOW, WINDOW)).toEqual({ count: 3, resetAt: lockedUntil });
      expect(await counters.peek('alice', lockedUntil)).toBeUndefined();
    });

    it('does not extend absent or expired counters', async () => {
      await counters.extend('nobody', NOW + WINDOW, NOW);
      expect(await counters.peek('nobody', NOW)).toBeUndefined();
      await counters.hit('alice', NOW, WINDOW);
      await counters.extend('alice', NOW + 10 * WINDOW, NOW + WINDOW);
      expect(await counters.peek('alice', NOW + WINDOW)).toBeUndefined();
      expect(await counters.hit('alice', NOW + WINDOW, WINDOW)).toEqual({ count: 1, resetAt: NOW + 2 * WINDOW });
    });

    it('forgets a counter on reset', async () => {
      await counters.hit('alice', NOW, WINDOW);
      await counters.hit('alice', NOW, WINDOW);
      await counters.reset('alice');
      await counters.reset('nobody');
      expect(await counters.peek('alice', NOW)).toBeUndefined();
      expect(await counters.hit('alice', NOW + 1, WINDOW)).toEqual({ count: 1, resetAt: NOW + 1 + WINDOW });
    });

    it('keeps keys apart whatever they contain', async () => {
      const keys = [
        'alice@example.com',
        'Alice@example.com',
        'ALICE@EXAMPLE.COM',
        'jos\u00e9',
        'jose\u0301',
        '用户名',
        '👩‍💻',
        'a b',
        'a:b',
        'a*',
        '',
        '\ud800',
        '\udc00',
        'x'.repeat(10_000),
        `${'x'.repeat(9_999)}y`,
      ];
      for (const [index, key] of keys.entries()) {
        for (let hit = 0; hit <= index; hit++) await counters.hit(key, NOW, WINDOW);
      }
      for (const [index, key] of keys.entries()) {
        expect(await counters.peek(key, NOW), JSON.stringify(key.slice(0, 20))).toEqual({ count: index + 1, resetAt: NOW + WINDOW });
      }
    });

    it('gives 50 concurrent hits on one key the counts 1 to 50, each exactly once', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => counters.hit('alice', NOW, WINDOW)));
      expect(results.map((result) => result.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(new Set(results.map((result) => result.resetAt))).toEqual(new Set([NOW + WINDOW]));
      expect(await counters.peek('alice', NOW)).toEqual({ count: 50, resetAt: NOW + WINDOW });
    });

    it('lists the live keys of a family (the part before the first colon), and only those', async () => {
      await counters.hit('lock:user:1', NOW, WINDOW);
      await counters.hit('lock:user:2', NOW, 2 * WINDOW);
      await counters.hit('lock:name:bob@example.com', NOW, WINDOW);
      await counters.hit('try:user:1', NOW, WINDOW);
      await counters.hit('locksmith:x', NOW, WINDOW);
      await counters.hit('lock', NOW, WINDOW);
      expect((await counters.listLive('lock', NOW)).sort()).toEqual(['lock:name:bob@example.com', 'lock:user:1', 'lock:user:2']);
      expect(await counters.listLive('try', NOW)).toEqual(['try:user:1']);
      expect(await counters.listLive('nothing', NOW)).toEqual([]);
      expect(await counters.listLive('lock', NOW + WINDOW)).toEqual(['lock:user:2']);

      await counters.extend('lock:user:1', NOW + 3 * WINDOW, NOW + 1);
      expect(await counters.listLive('lock', NOW + 2 * WINDOW)).toEqual(['lock:user:1']);
      await counters.reset('lock:user:1');
      expect(await counters.listLive('lock', NOW + 2 * WINDOW)).toEqual([]);
      // A counter that starts again after it ran out is listed again.
      await counters.hit('lock:name:bob@example.com', NOW + 5 * WINDOW, WINDOW);
      expect(await counters.listLive('lock', NOW + 5 * WINDOW)).toEqual(['lock:name:bob@example.com']);
    });

    it('returns counts and times as exact numbers', async () => {
      const farFuture = NOW + 400 * 24 * 60 * 60_000 + 7;
      const hit = await counters.hit('alice', NOW, WINDOW);
      await counters.extend('alice', farFuture, NOW);
      const peeked = await counters.peek('alice', NOW);
      for (const state of [hit, peeked]) {
        expect(typeof state?.count).toBe('number');
        expect(typeof state?.resetAt).toBe('number');
      }
      expect(peeked).toEqual({ count: 1, resetAt: farFuture });
    });
  });
}

contract('MemoryAttemptCounters', async () => ({ counters: new MemoryAttemptCounters(), cleanup: async () => {} }));

describe('MemoryAttemptCounters size bound', () => {
  it('holds at most maxKeys counters, dropping the oldest, and still counts new keys', async () => {
    const counters = new MemoryAttemptCounters(100);
    for (let i = 0; i < 1_000; i++) await counters.hit(`spray-${i}`, NOW, WINDOW);
    expect(await counters.hit('victim', NOW, WINDOW)).toEqual({ count: 1, resetAt: NOW + WINDOW });
    expect(await counters.hit('victim', NOW, WINDOW)).toEqual({ count: 2, resetAt: NOW + WINDOW });
    expect(await counters.peek('spray-0', NOW)).toBeUndefined();
    expect(await counters.peek('spray-900', NOW)).toBeUndefined();
    expect(await counters.peek('spray-999', NOW)).toEqual({ count: 1, resetAt: NOW + WINDOW });
    let kept = 0;
    for (let i = 0; i < 1_000; i++) if (await counters.peek(`spray-${i}`, NOW)) kept++;
    expect(kept).toBe(99);
  });

  it('drops expired counters before live ones, then the least recently written', async () => {
    const counters = new MemoryAttemptCounters(3);
    await counters.hit('live-old', NOW, 10 * WINDOW);
    await counters.hit('expiring', NOW, WINDOW);
    await counters.hit('live-young', NOW, 10 * WINDOW);
    await counters.hit('new', NOW + WINDOW, WINDOW);
    expect(await counters.peek('live-old', NOW + WINDOW)).toEqual({ count: 1, resetAt: NOW + 10 * WINDOW });
    await counters.hit('live-old', NOW + WINDOW, WINDOW);
    await counters.hit('newer', NOW + WINDOW, WINDOW);
    expect(await counters.peek('live-young', NOW + WINDOW)).toBeUndefined();
    expect(await counters.peek('live-old', NOW + WINDOW)).toEqual({ count: 2, resetAt: NOW + 10 * WINDOW });
    expect(await counters.peek('new', NOW + WINDOW)).toEqual({ count: 1, resetAt: NOW + 2 * WINDOW });
  });
});

async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

describeWithRedis('RedisAttemptCounters', (url) => {
  const uniquePrefix = () => `gh:test:attempts:${randomUUID()}:`;

  contract('RedisAttemptCounters', async () => {
    const connection = await connectRedis(url);
    const prefix = uniquePrefix();
    return {
      counters: new RedisAttemptCounters(connection.client, prefix),
      async cleanup() {
        const keys = await keysUnder(connection.client, prefix);
        if (keys.length > 0) await connection.client.del(...keys);
        connection.close();
      },
    };
  });

  describe('storage', () => {
    let redis: Redis;
    let close: () => void;
    let prefix: string;
    let counters: RedisAttemptCounters;
    beforeEach(async () => {
      ({ client: redis, close } = await connectRedis(url));
      prefix = uniquePrefix();
      counters = new RedisAttemptCounters(redis, prefix);
    });
    afterEach(async () => {
      const keys = await keysUnder(redis, prefix);
      if (keys.length > 0) await redis.del(...keys);
      close();
    });

    it('lets Redis expire a counter some time after its resetAt, and later after an extend', async () => {
      await counters.hit('alice', NOW, WINDOW);
      const [key] = await keysUnder(redis, prefix);
      expect(key).toBeDefined();
      const ttl = await redis.pttl(key!);
      expect(ttl).toBeGreaterThan(WINDOW);
      expect(ttl).toBeLessThanOrEqual(WINDOW + 5 * 60_000);
      const lockedUntil = NOW + 24 * 60 * 60_000;
      await counters.extend('alice', lockedUntil, NOW);
      expect(await redis.pttl(key!)).toBeGreaterThan(lockedUntil - NOW);
      await counters.reset('alice');
      expect(await keysUnder(redis, prefix)).toEqual([]);
    });

    it('keeps a family’s list in one sorted set that lives as long as its counters and goes with them', async () => {
      await counters.hit('lock:user:1', NOW, WINDOW);
      const keys = await keysUnder(redis, prefix);
      expect(keys).toHaveLength(2);
      for (const key of keys) {
        const ttl = await redis.pttl(key);
        expect(ttl).toBeGreaterThan(WINDOW);
        expect(ttl).toBeLessThanOrEqual(WINDOW + 5 * 60_000);
      }
      await counters.reset('lock:user:1');
      expect(await keysUnder(redis, prefix)).toEqual([]);
    });

    it('stores a very long key under a short Redis key', async () => {
      await counters.hit('x'.repeat(10_000), NOW, WINDOW);
      const keys = await keysUnder(redis, prefix);
      expect(keys).toHaveLength(1);
      expect(Buffer.byteLength(keys[0]!)).toBeLessThan(prefix.length + 100);
    });
  });
});

contract('FallbackAttemptCounters while Redis is away', async () => {
  const down = await connectRedis(CLOSED_PORT_URL);
  return {
    counters: new FallbackAttemptCounters(new RedisAttemptCounters(down.client), new MemoryAttemptCounters(), () => {}),
    cleanup: async () => down.close(),
  };
});

describe('FallbackAttemptCounters', () => {
  it('reports each failure of the primary once and answers from the fallback', async () => {
    const down = await connectRedis(CLOSED_PORT_URL);
    try {
      const errors: unknown[] = [];
      const fallback = new MemoryAttemptCounters();
      const counters = new FallbackAttemptCounters(new RedisAttemptCounters(down.client), fallback, (error) => errors.push(error));
      await counters.hit('alice', NOW, WINDOW);
      expect(await counters.hit('alice', NOW, WINDOW)).toEqual({ count: 2, resetAt: NOW + WINDOW });
      await counters.extend('alice', NOW + 2 * WINDOW, NOW);
      expect(await fallback.peek('alice', NOW)).toEqual({ count: 2, resetAt: NOW + 2 * WINDOW });
      await counters.reset('alice');
      expect(await counters.peek('alice', NOW)).toBeUndefined();
      expect(errors).toHaveLength(5);
      for (const error of errors) expect(error).toBeInstanceOf(Error);
    } finally {
      down.close();
    }
  });

  it('leaves the fallback untouched while the primary answers', async () => {
    const errors: unknown[] = [];
    const fallback = new MemoryAttemptCounters();
    const counters = new FallbackAttemptCounters(new MemoryAttemptCounters(), fallback, (error) => errors.push(error));
    expect(await counters.hit('alice', NOW, WINDOW)).toEqual({ count: 1, resetAt: NOW + WINDOW });
    expect(await fallback.peek('alice', NOW)).toBeUndefined();
    expect(errors).toEqual([]);
  });
});

describe('RedisAttemptCounters while Redis is away', () => {
  it('rejects every operation', async () => {
    const down = await connectRedis(CLOSED_PORT_URL);
    try {
      const counters = new RedisAttemptCounters(down.client);
      await expect(counters.hit('alice', NOW, WINDOW)).rejects.toThrow();
      await expect(counters.peek('alice', NOW)).rejects.toThrow();
      await expect(counters.extend('alice', NOW + WINDOW, NOW)).rejects.toThrow();
      await expect(counters.reset('alice')).rejects.toThrow();
    } finally {
      down.close();
    }
  });
});
