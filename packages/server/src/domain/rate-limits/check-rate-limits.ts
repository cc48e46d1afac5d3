import { AuthError } from '../../errors/auth-error.js';
import type { DomainContext } from '../context.js';
import { loginLock } from './login-lock.js';
import { type Bucket, callerBuckets, type LimitedRequest, subjectBuckets } from './rate-limit-policy.js';

/** What the RateLimit-* headers report: the window closest to exhaustion. */
export interface RateLimitReport {
  readonly limit: number;
  readonly remaining: number;
  /** Seconds until that window starts again. */
  readonly resetSeconds: number;
}

export interface RateLimitOutcome {
  readonly report: RateLimitReport;
  /** Set when the request must be refused: `rate_limited`, or `account_locked` for a locked login identifier. */
  readonly refusal: AuthError | undefined;
}

interface Counted {
  readonly bucket: Bucket;
  readonly count: number;
  readonly resetAt: number;
}

/** Counts the request against every bucket that applies and says whether it may go on. */
export async function checkRateLimits(ctx: DomainContext, request: LimitedRequest): Promise<RateLimitOutcome> {
  const now = ctx.clock.now();
  const counted = await count(ctx, callerBuckets(ctx.config, request), now);
  if (!counted.some(over)) counted.push(...(await count(ctx, subjectBuckets(request), now)));
  const report = closestToExhaustion(counted, now);
  const exceeded = counted.filter(over);
  if (exceeded.length === 0) return { report, refusal: undefined };
  // Lockout is checked before rate limits (API.md): a locked identifier says so, whatever the counters say.
  const locked = request.action === 'login' && request.subject !== undefined ? await loginLock(ctx, request.subject) : undefined;
  // The request may go again once every window it overran has started again.
  const retryAfterSeconds = Math.max(...exceeded.map(({ resetAt }) => secondsUntil(resetAt, now)));
  return { report, refusal: locked ?? new AuthError('rate_limited', { retryAfterSeconds }) };
}

async function count(ctx: DomainContext, buckets: readonly Bucket[], now: number): Promise<Counted[]> {
  return Promise.all(
    buckets.map(async (bucket) => {
      const { count, resetAt } = await ctx.rateLimits.hit(bucket.key, bucket.windowMs, now);
      return { bucket, count, resetAt };
    }),
  );
}

const over = ({ bucket, count }: Counted) => count > bucket.limit;

/** The fewest requests left wins; of equals, the window that lasts longer (it is the one that will bind). */
function closestToExhaustion(counted: readonly Counted[], now: number): RateLimitReport {
  let closest: RateLimitReport | undefined;
  for (const { bucket, count, resetAt } of counted) {
    const candidate = { limit: bucket.limit, remaining: Math.max(0, bucket.limit - count), resetSeconds: secondsUntil(resetAt, now) };
    if (
      !closest ||
      candidate.remaining < closest.remaining ||
      (candidate.remaining === closest.remaining && candidate.resetSeconds > closest.resetSeconds)
    ) {
      closest = candidate;
    }
  }
  return closest ?? { limit: 0, remaining: 0, resetSeconds: 0 };
}

function secondsUntil(at: number, now: number): number {
  return Math.max(1, Math.ceil((at - now) / 1000));
}
