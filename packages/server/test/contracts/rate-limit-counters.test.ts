import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryRateLimitCounters, type RateLimitCounters, redisRateLimitCounters } from '../../src/store/rate-limit-counters.js';
import { connectRedis } from '../../src/store/redis-client.js';
import { describeWithRedis } from '../helpers/redis.js';

interface Subject {
  readonly counters: RateLimitCounters;
  cleanup(): Promise<void>;
}

const MINUTE = 60_000;
// Far from the real clock: windows must follow the time passed in, never Date.now() or a Redis TTL.
const START = Date.UTC(2031, 4, 6, 7, 8, 0);
const CLOSED_PORT_URL = 'redis://127.0.0.1:1';

function contract(name: string, make: () => Promise<Subject>): void {
  describe(name, () => {
    let subject: Subject;
    let counters: RateLimitCounters;
    let key: string;
    beforeEach(async () => {
      subject = await make();
      counters = subject.counters;
      key = `user:${randomUUID()}:minute`;
    });
    afterEach(() => subject.cleanup());

    it('counts up within a window that ends on the next multiple of its length', async () => {
      expect(await counters.hit(key, MINUTE, START + 5_000)).toEqual({ count: 1, resetAt: START + MINUTE });
      expect(await counters.hit(key, MINUTE, START + 59_999)).toEqual({ count: 2, resetAt: START + MINUTE });
    });

    it('starts again at 1 in the next window, by the time given', async () => {
      await counters.hit(key, MINUTE, START);
      await counters.hit(key, MINUTE, START + 1);
      expect(await counters.hit(key, MINUTE, START + MINUTE)).toEqual({ count: 1, resetAt: START + 2 * MINUTE });
    });

    it('keeps keys, and windows of different lengths, apart', async () => {
      await counters.hit(key, MINUTE, START);
      expect(await counters.hit(`${key}x`, MINUTE, START)).toMatchObject({ count: 1 });
      expect(await counters.hit(key, 3_600_000, START)).toMatchObject({ count: 1 });
    });

    it('counts concurrent hits exactly', async () => {
      const results = await Promise.all(Array.from({ length: 25 }, () => counters.hit(key, MINUTE, START)));
      expect(results.map(({ count }) => count).sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    });
  });
}

contract('memory rate-limit counters', async () => ({ counters: memoryRateLimitCounters(), cleanup: async () => {} }));

// Redis away: rate-limiter-flexible's insurance limiter counts in this process's memory, with the same contract.
contract('Redis rate-limit counters while Redis is away', async () => {
  const down = await connectRedis(CLOSED_PORT_URL);
  return { counters: redisRateLimitCounters(down.client, `test-${randomUUID()}:rl`), cleanup: async () => down.close() };
});

describeWithRedis('rate-limit counters', (url) => {
  const prefix = `test-${randomUUID()}:`;
  contract('Redis rate-limit counters', async () => {
    const connection = await connectRedis(url);
    return { counters: redisRateLimitCounters(connection.client, `${prefix}rl`), cleanup: async () => connection.close() };
  });

  it('keeps every key under the configured prefix, and shares counts between clients', async () => {
    const [one, two] = [await connectRedis(url), await connectRedis(url)];
    try {
      const key = `ip:${randomUUID()}:minute`;
      await redisRateLimitCounters(one.client, `${prefix}rl`).hit(key, MINUTE, START);
      expect(await redisRateLimitCounters(two.client, `${prefix}rl`).hit(key, MINUTE, START)).toMatchObject({ count: 2 });
      const keys = await one.client.keys(`*${key}*`);
      expect(keys).toEqual([`${prefix}rl:${key}@${START}`]);
    } finally {
      one.close();
      two.close();
    }
  });
});
