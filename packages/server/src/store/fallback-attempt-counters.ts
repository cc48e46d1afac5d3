import type { AttemptCount, AttemptCounters } from './attempt-counters.js';

/**
 * Answers from the fallback whenever the primary fails, so login lockout keeps counting (per instance) while
 * Redis is away: failing every login would turn an outage into downtime, and counting nothing would let it switch
 * off brute-force protection (OWASP Authentication Cheat Sheet, account lockout). The fallback is never copied
 * back: it only covers the outage.
 */
export class FallbackAttemptCounters implements AttemptCounters {
  constructor(
    private readonly primary: AttemptCounters,
    private readonly fallback: AttemptCounters,
    private readonly onError: (error: unknown) => void,
  ) {}

  hit(key: string, now: number, windowMs: number): Promise<AttemptCount> {
    return this.withFallback((counters) => counters.hit(key, now, windowMs));
  }

  peek(key: string, now: number): Promise<AttemptCount | undefined> {
    return this.withFallback((counters) => counters.peek(key, now));
  }

  extend(key: string, until: number, now: number): Promise<void> {
    return this.withFallback((counters) => counters.extend(key, until, now));
  }

  reset(key: string): Promise<void> {
    return this.withFallback((counters) => counters.reset(key));
  }

  listLive(family: string, now: number): Promise<string[]> {
    return this.withFallback((counters) => counters.listLive(family, now));
  }

  private async withFallback<T>(operation: (counters: AttemptCounters) => Promise<T>): Promise<T> {
    try {
      return await operation(this.primary);
    } catch (error) {
      this.onError(error);
      return operation(this.fallback);
    }
  }
}
