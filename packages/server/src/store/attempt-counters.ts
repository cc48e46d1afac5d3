export interface AttemptCount {
  readonly count: number;
  /** Epoch ms at which this counter is forgotten (count back to 0). */
  readonly resetAt: number;
}

/**
 * Counters that many requests (and, on Redis, many instances) update at once. Time is passed in (`now`, epoch ms)
 * rather than read, so every instance and every test agrees on it and a frozen clock works with Redis too.
 */
export interface AttemptCounters {
  /**
   * Atomically adds one. A counter that is absent or whose resetAt <= now starts again: count 1,
   * resetAt now + windowMs. Otherwise resetAt is unchanged. Returns the state after the increment.
   */
  hit(key: string, now: number, windowMs: number): Promise<AttemptCount>;
  /** The current state, or undefined when absent or expired (resetAt <= now). */
  peek(key: string, now: number): Promise<AttemptCount | undefined>;
  /** Sets resetAt of an existing, unexpired counter to `until` (used to start a lock); no-op when absent/expired. */
  extend(key: string, until: number, now: number): Promise<void>;
  /** Forgets the counter. */
  reset(key: string): Promise<void>;
  /**
   * The keys of one family whose counters are live at `now`, in no particular order. A key's family is the part
   * before its first `:` (`lock:user:42` is in family `lock`); keys without a colon are in none. Keys over 200
   * UTF-8 bytes or with lone surrogates may be left out (Redis stores those hashed, under no name to list).
   */
  listLive(family: string, now: number): Promise<string[]>;
}

/** A full sweep walks every entry, so a flood of new keys may trigger it at most this often (in `now` time). */
const SWEEP_INTERVAL_MS = 1_000;

/**
 * Single-process counters. The keys are attacker-chosen identifiers, so the map is bounded: once maxKeys is
 * reached, expired counters go first, then the least recently written. Every method body is synchronous, so
 * no other request can run between a read and its write.
 */
export class MemoryAttemptCounters implements AttemptCounters {
  // Map order is write order (each write deletes then re-inserts), so the front holds the eviction candidates.
  private readonly counters = new Map<string, AttemptCount>();
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(private readonly maxKeys = 100_000) {
    if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new RangeError(`maxKeys must be a positive integer, got ${maxKeys}`);
  }

  async hit(key: string, now: number, windowMs: number): Promise<AttemptCount> {
    const current = this.live(key, now);
    if (this.counters.has(key)) this.counters.delete(key);
    else this.makeRoom(now);
    const next = current ? { count: current.count + 1, resetAt: current.resetAt } : { count: 1, resetAt: now + windowMs };
    this.counters.set(key, next);
    return next;
  }

  async peek(key: string, now: number): Promise<AttemptCount | undefined> {
    return this.live(key, now);
  }

  async extend(key: string, until: number, now: number): Promise<void> {
    const current = this.live(key, now);
    if (!current) return;
    this.counters.delete(key);
    this.counters.set(key, { count: current.count, resetAt: until });
  }

  async reset(key: string): Promise<void> {
    this.counters.delete(key);
  }

  async listLive(family: string, now: number): Promise<string[]> {
    const prefix = `${family}:`;
    const keys: string[] = [];
    for (const [key, { resetAt }] of this.counters) {
      if (resetAt > now && key.startsWith(prefix)) keys.push(key);
    }
    return keys;
  }

  private live(key: string, now: number): AttemptCount | undefined {
    const current = this.counters.get(key);
    if (current && current.resetAt <= now) {
      this.counters.delete(key);
      return undefined;
    }
    return current;
  }

  private makeRoom(now: number): void {
    if (this.counters.size < this.maxKeys) return;
    if (now - this.lastSweep >= SWEEP_INTERVAL_MS) {
      this.lastSweep = now;
      for (const [key, { resetAt }] of this.counters) {
        if (resetAt <= now) this.counters.delete(key);
      }
    }
    for (const key of this.counters.keys()) {
      if (this.counters.size < this.maxKeys) break;
      this.counters.delete(key);
    }
  }
}
