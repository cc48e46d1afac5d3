import { AuthError } from '../../errors/auth-error.js';
import type { DomainContext } from '../context.js';
import { clientBucket } from './client-address.js';

/** Answers 401 a client may earn per minute before its requests are refused (guessing tokens, API keys, passwords). */
export const AUTH_FAILURES_PER_MINUTE = 30;
const MINUTE = 60_000;
const MAX_BLOCKED_CLIENTS = 100_000;

/**
 * Refused credentials never reach the per-caller limits (there is no caller), so a client guessing bearer tokens,
 * API keys or session cookies would be limited by nothing. Its 401s are counted per client address instead, shared
 * by every instance through the rate-limit counters; past the limit, the instance that saw the failure refuses the
 * client's requests until the window ends. The check on each request is a lookup in this process's memory, so
 * clients in good standing pay no round trip for it.
 */
export class AuthFailureLimiter {
  private readonly blocked = new Map<string, number>();

  constructor(private readonly ctx: DomainContext) {}

  /** `rate_limited` with its Retry-After while the client is over the limit. */
  refusal(ip: string | null): AuthError | undefined {
    if (this.blocked.size === 0) return undefined;
    const client = clientBucket(ip);
    const until = this.blocked.get(client);
    if (until === undefined) return undefined;
    const now = this.ctx.clock.now();
    if (until <= now) {
      this.blocked.delete(client);
      return undefined;
    }
    return new AuthError('rate_limited', { retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)) });
  }

  /** Counts one 401 answered to the client. */
  async record(ip: string | null): Promise<void> {
    const client = clientBucket(ip);
    const { count, resetAt } = await this.ctx.rateLimits.hit(`auth_failure:ip:${client}:minute`, MINUTE, this.ctx.clock.now());
    if (count < AUTH_FAILURES_PER_MINUTE) return;
    // Bounded whatever the number of clients; every block lasts at most a minute, so the oldest goes first.
    if (this.blocked.size >= MAX_BLOCKED_CLIENTS) this.blocked.delete(this.blocked.keys().next().value as string);
    this.blocked.set(client, resetAt);
  }
}
