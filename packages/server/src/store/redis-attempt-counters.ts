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

// A family's keys are also members of one sorted set scored by resetAt, so listing them never scans the keyspace
// (no KEYS or SCAN on a request path). Updated in the same script as the counter; expired members are pruned on
// each write, and the set expires with its longest-lived member.
const INDEX = `
local function index(now, member, r)
  redis.call('ZADD', KEYS[2], r, member)
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  local ttl = math.ceil(r - now + ${EXPIRY_MARGIN_MS})
  if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
end
`;
const HIT_LISTED = `${INDEX}
${HIT.replace('return {n, r}', 'index(now, ARGV[3], r)\nreturn {n, r}')}`;

const EXTEND = `
local resetAt, now = tonumber(ARGV[1]), tonumber(ARGV[2])
local r = tonumber(redis.call('HGET', KEYS[1], 'r'))
if not r or r <= now then return 0 end
redis.call('HSET', KEYS[1], 'r', resetAt)
redis.call('PEXPIRE', KEYS[1], math.ceil(resetAt - now + ${EXPIRY_MARGIN_MS}))
return 1
`;
const EXTEND_LISTED = `${INDEX}
${EXTEND.replace('return 1', 'index(now, ARGV[3], resetAt)\nreturn 1')}`;

interface AttemptScripts {
  gatehouseAttemptsHit(key: string, now: number, windowMs: number): Promise<[number, number]>;
  gatehouseAttemptsExtend(key: string, until: number, now: number): Promise<number>;
  gatehouseAttemptsHitListed(key: string, index: string, now: number, windowMs: number, member: string): Promise<[number, number]>;
  gatehouseAttemptsExtendListed(key: string, index: string, until: number, now: number, member: string): Promise<number>;
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
    redis.defineCommand('gatehouseAttemptsHitListed', { numberOfKeys: 2, lua: HIT_LISTED });
    redis.defineCommand('gatehouseAttemptsExtendListed', { numberOfKeys: 2, lua: EXTEND_LISTED });
    this.scripts = redis as Redis & AttemptScripts;
  }

  async hit(key: string, now: number, windowMs: number): Promise<AttemptCount> {
    const index = this.indexKey(key);
    const [count, resetAt] = index
      ? await this.scripts.gatehouseAttemptsHitListed(this.redisKey(key), index, now, windowMs, key)
      : await this.scripts.gatehouseAttemptsHit(this.redisKey(key), now, windowMs);
    return { count, resetAt };
  }

  async peek(key: string, now: number): Promise<AttemptCount | undefined> {
    const [n, r] = await this.redis.hmget(this.redisKey(key), 'n', 'r');
    if (n == null || r == null || Number(r) <= now) return undefined;
    return { count: Number(n), resetAt: Number(r) };
  }

  async extend(key: string, until: number, now: number): Promise<void> {
    const index = this.indexKey(key);
    if (index) await this.scripts.gatehouseAttemptsExtendListed(this.redisKey(key), index, until, now, key);
    else await this.scripts.gatehouseAttemptsExtend(this.redisKey(key), until, now);
  }

  async reset(key: string): Promise<void> {
    const index = this.indexKey(key);
    if (!index) {
      await this.redis.del(this.redisKey(key));
      return;
    }
    const results = await this.redis.multi().del(this.redisKey(key)).zrem(index, key).exec();
    const failed = results?.find(([error]) => error)?.[0];
    if (failed) throw failed;
  }

  async listLive(family: string, now: number): Promise<string[]> {
    return this.redis.zrangebyscore(`${this.prefix}f:${family}`, `(${now}`, '+inf');
  }

  /** The sorted set listing the key's family; undefined for keys in no family, or stored hashed. */
  private indexKey(key: string): string | undefined {
    const colon = key.indexOf(':');
    if (colon < 0 || !this.storedRaw(key)) return undefined;
    return `${this.prefix}f:${key.slice(0, colon)}`;
  }

  private storedRaw(key: string): boolean {
    return key.isWellFormed() && Buffer.byteLength(key, 'utf8') <= MAX_RAW_KEY_BYTES;
  }

  /**
   * Raw and hashed keys live under different markers so no identifier can be chosen to equal another's hash.
   * Strings with lone surrogates are hashed too: sent as UTF-8 they would all collapse to U+FFFD and share a
   * counter; their UTF-16 code units keep them apart.
   */
  private redisKey(key: string): string {
    if (this.storedRaw(key)) return `${this.prefix}k:${key}`;
    return `${this.prefix}h:${createHash('sha256').update(Buffer.from(key, 'utf16le')).digest('hex')}`;
  }
}
