import type { RouteUsage, SeriesPoint, UserUsageTotal } from '../../db/repositories/usage-repository.js';
import { AuthError } from '../../errors/auth-error.js';
import type { DomainContext } from '../context.js';
import { ALL_ROUTES, type Bucket, BUCKETS, type Metric } from './usage-metrics.js';

/** More points than this is a mistake (a minute chart over a month), answered 422 rather than computed. */
export const MAX_POINTS = 1440;
const TOP = 10;
/** Without `from`, the chart covers this many buckets up to `to`. */
const DEFAULT_POINTS: Record<Bucket, number> = { minute: 60, hour: 24, day: 30 };

export interface AnalyticsQuery {
  readonly metric: Metric;
  readonly bucket: Bucket;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
}

export interface Analytics {
  readonly metric: Metric;
  readonly bucket: Bucket;
  /** The range covered, widened to whole buckets: from inclusive, to exclusive. */
  readonly from: number;
  readonly to: number;
  /** One point per bucket, zero where nothing was counted. */
  readonly points: readonly SeriesPoint[];
  readonly topRoutes: readonly RouteUsage[];
  /** Lifetime counters, not limited to the range. */
  readonly topUsers: readonly UserUsageTotal[];
}

/**
 * A metric per bucket (UTC minutes, hours or days) from the flushed minute counts. This process's counts are flushed
 * first, so what it has seen is included; other instances' counts arrive with their next flush (ANALYTICS_FLUSH_SECONDS).
 */
export async function readAnalytics(ctx: DomainContext, query: AnalyticsQuery): Promise<Analytics> {
  const size = BUCKETS[query.bucket];
  const to = ceilTo(query.to ?? ctx.clock.now() + 1, size);
  const from = floorTo(query.from ?? to - DEFAULT_POINTS[query.bucket] * size, size);
  if (from >= to || (query.to !== undefined && query.from !== undefined && query.from >= query.to)) {
    throw AuthError.validation('/from', 'from must be before to');
  }
  const count = (to - from) / size;
  if (count > MAX_POINTS) {
    throw AuthError.validation('/from', `The range holds ${count} ${query.bucket} buckets; at most ${MAX_POINTS} are served: use a larger bucket or a shorter range`);
  }
  try {
    await ctx.usage.flush();
  } catch (error) {
    // The counts stay in memory for the next flush; the chart is then a few seconds behind, not missing.
    ctx.log.warn({ err: error }, 'could not flush usage counts before reading them');
  }
  const [found, topRoutes, topUsers] = await Promise.all([
    ctx.repos.usage.series(query.metric, ALL_ROUTES, from, to, size),
    ctx.repos.usage.topRoutes(from, to, TOP),
    ctx.repos.usage.topUsers(TOP),
  ]);
  const byBucket = new Map(found.map((point) => [point.t, point.value]));
  const points: SeriesPoint[] = [];
  for (let t = from; t < to; t += size) points.push({ t, value: byBucket.get(t) ?? 0 });
  return { metric: query.metric, bucket: query.bucket, from, to, points, topRoutes, topUsers };
}

const floorTo = (at: number, size: number): number => Math.floor(at / size) * size;
const ceilTo = (at: number, size: number): number => Math.ceil(at / size) * size;
