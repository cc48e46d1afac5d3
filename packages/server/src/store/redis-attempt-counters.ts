import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AttemptCount, AttemptCounters } from './attempt-counters.js';

/**
 * Redis keeps a key this long after its resetAt, so that a Redis clock running a little ahead of the instances'
 * clocks never drops a counter they still consider live.
 */
const EXPIRY_MARGIN_MS = 60_000;

/** Longer keys are hashed: login identifiers are user input, and Redis should not store megabyte-long key names. */
const MAX_RAW_KEY_BYTES = 200;

// Each script reads and writes one hash {n: count, r: resetAt} in a single atomic step. `now` always comes from
// the caller, never from Redis TIME, so all instances (and frozen test clocks) agree on when a window ends.
const HIT = `
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local fields = redis.call('HMGET', KEYS[1], 'n', 'r')
local n, r = tonumber(fields[1]), tonumber(fields[2])
if not n or not r or r <= now then
  n, r = 1, now + window
else
  n = n + 1
end
redis.call('HSET', KEYS[1], 'n', n, 'r', r)
redis.call('PEXPIRE', KEYS[1], math.ceil(r - now + ${EXPIRY_MARGIN_MS}))
return {n, r}
`;

const EXTEND = `
local resetAt, now = tonumber(ARGV[1]), tonumber(ARGV[2])
local r = tonumber(redis.call('HGET', KEYS[1], 'r'))
if not r or r <= now then return 0 end
redis.call('HSET', KEYS[1], 'r', resetAt)
redis.call('PEXPIRE', KEYS[1], math.ceil(resetAt - now + ${EXPIRY_MARGIN_MS}))
return 1
`;

interface AttemptScripts {
  gatehouseAttemptsHit(key: string, now: number, windowMs: number): Promise<[number, number]>;
  gatehouseAttemptsExtend(key: string, until: number, now: number): Promise<number>;
}

/** Counters shared by every instance. Errors (Redis away) reject; FallbackAttemptCounters decides what then. */
export class RedisAttemptCounters implements AttemptCounters {
  private readonly scripts: AttemptScripts;

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'gh:attempts:',
  ) {
    // defineCommand runs scripts by EVALSHA and reloads them after a Redis restart (NOSCRIPT).
    redis.defineCommand('gatehouseAttemptsHit', { numberOfKeys: 1, lua: HIT });
    redis.defineCommand('gatehouseAttemptsExtend', { numberOfKeys: 1, lua: EXTEND });
    this.scripts = redis as Redis & AttemptScripts;
  }

  async hit(key: string, now: number, windowMs: number): Promise<AttemptCount> {
    const [count, resetAt] = await this.scripts.gatehouseAttemptsHit(this.redisKey(key), now, windowMs);
    return { count, resetAt };
  }

  async peek(key: string, now: number): Promise<AttemptCount | undefined> {
    const [n, r] = await this.redis.hmget(this.redisKey(key), 'n', 'r');
    if (n == null || r == null || Number(r) <= now) return undefined;
    return { count: Number(n), resetAt: Number(r) };
  }

  async extend(key: string, until: number, now: number): Promise<void> {
    await this.scripts.gatehouseAttemptsExtend(this.redisKey(key), until, now);
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.redisKey(key));
  }

  /**
   * Raw and hashed keys live under different markers so no identifier can be chosen to equal another's hash.
   * Strings with lone surrogates are hashed too: sent as UTF-8 they would all collapse to U+FFFD and share a
   * counter; their UTF-16 code units keep them apart.
   */
  private redisKey(key: string): string {
    if (key.isWellFormed() && Buffer.byteLength(key, 'utf8') <= MAX_RAW_KEY_BYTES) return `${this.prefix}k:${key}`;
    return `${this.prefix}h:${createHash('sha256').update(Buffer.from(key, 'utf16le')).digest('hex')}`;
  }
}
