import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';

export interface WindowCount {
  /** Requests counted in the window so far, this one included. */
  readonly count: number;
  /** Epoch ms at which the window ends and the count starts again. */
  readonly resetAt: number;
}

/**
 * Fixed-window request counters for rate limits (memory, or Redis shared by every instance). Time is passed in
 * (`now`, epoch ms), never read, so that instances and frozen test clocks agree on which window a request is in.
 */
export interface RateLimitCounters {
  /** Counts one request against `key` in the window of `windowMs` that holds `now`. */
  hit(key: string, windowMs: number, now: number): Promise<WindowCount>;
}

/**
 * rate-limiter-flexible counts atomically and expires keys, but measures its windows with Date.now() (memory) or a
 * Redis TTL from the first hit. So the window is chosen here from the injected time and is part of the key: a new
 * window is a new key, and the library's duration (equal to the window) only makes old keys go away. Windows are
 * aligned on multiples of their length (minutes on the minute), so every instance puts a request in the same one.
 * Points are never refused by the library (the limit differs per user and is applied by the caller).
 */
export class FlexibleRateLimitCounters implements RateLimitCounters {
  private readonly limiters = new Map<number, RateLimiterAbstract>();

  constructor(private readonly limiterFor: (durationSeconds: number) => RateLimiterAbstract) {}

  async hit(key: string, windowMs: number, now: number): Promise<WindowCount> {
    const start = now - (now % windowMs);
    const result = await this.limiter(windowMs).consume(`${key}@${start}`, 1);
    return { count: result.consumedPoints, resetAt: start + windowMs };
  }

  private limiter(windowMs: number): RateLimiterAbstract {
    let limiter = this.limiters.get(windowMs);
    if (!limiter) {
      limiter = this.limiterFor(Math.max(1, Math.ceil(windowMs / 1000)));
      this.limiters.set(windowMs, limiter);
    }
    return limiter;
  }
}

/** The library refuses a consume beyond `points`; the limits are applied by the caller, so it never should. */
const UNLIMITED_POINTS = 2 ** 31 - 1;

/** Counters in this process only. */
export function memoryRateLimitCounters(): RateLimitCounters {
  return new FlexibleRateLimitCounters((duration) => new RateLimiterMemory({ points: UNLIMITED_POINTS, duration }));
}

/**
 * Counters in Redis, shared by every instance. While Redis is away (or not yet connected) each instance counts in
 * its own memory instead (rate-limiter-flexible's insurance limiter): limits stay on, per process, and nothing fails.
 */
export function redisRateLimitCounters(redis: Redis, keyPrefix: string): RateLimitCounters {
  return new FlexibleRateLimitCounters(
    (duration) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix,
        points: UNLIMITED_POINTS,
        duration,
        // Straight to the insurance while the client is reconnecting, instead of a failed round trip per request.
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ points: UNLIMITED_POINTS, duration }),
      }),
  );
}
