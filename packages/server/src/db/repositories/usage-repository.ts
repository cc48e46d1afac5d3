import { type Kysely, sql } from 'kysely';
import type { Metric } from '../../domain/analytics/usage-metrics.js';
import type { MinuteCount, UserUsage } from '../../domain/analytics/usage-collector.js';
import type { DatabaseSchema } from '../schema.js';

/** Rows per statement: a few hundred keeps each statement well under both engines' parameter limits. */
const CHUNK = 250;

export interface SeriesPoint {
  readonly t: number;
  readonly value: number;
}

export interface RouteUsage {
  readonly route: string;
  readonly requests: number;
  readonly errors: number;
}

export interface UserUsageTotal {
  readonly userId: string;
  readonly requests: number;
  readonly lastSeenAt: number | null;
}

/** Usage analytics (migration 0700): counts added in batches by the flush, read by GET /admin/analytics. */
export class UsageRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** Adds to the minute counters, creating the rows not there yet; one statement per CHUNK rows. */
  async addMinuteCounts(rows: readonly MinuteCount[]): Promise<void> {
    // Sorted by key, so two instances flushing at once take their row locks in the same order (no deadlock).
    const sorted = [...rows].sort((a, b) => a.minute - b.minute || compare(a.metric, b.metric) || compare(a.route, b.route));
    for (let start = 0; start < sorted.length; start += CHUNK) {
      await this.db
        .insertInto('usage_minutes')
        .values(sorted.slice(start, start + CHUNK).map(({ minute, metric, route, count }) => ({ minute, metric, route, count })))
        .onConflict((oc) =>
          oc.columns(['minute', 'metric', 'route']).doUpdateSet((eb) => ({ count: eb('usage_minutes.count', '+', eb.ref('excluded.count')) })),
        )
        .execute();
    }
  }

  /** Adds to users' request counts and moves last_seen_at forward (never back); unknown (deleted) users are skipped. */
  async addUserUsage(usages: readonly UserUsage[]): Promise<void> {
    const sorted = [...usages].sort((a, b) => compare(a.userId, b.userId));
    for (let start = 0; start < sorted.length; start += CHUNK) {
      const values = sql.join(
        sorted.slice(start, start + CHUNK).map((usage) => sql`(${usage.userId}, cast(${usage.requests} as bigint), cast(${usage.lastSeenAt} as bigint))`),
      );
      // UPDATE … FROM a VALUES list: one statement for the whole chunk on both engines (SQLite ≥ 3.33).
      await sql`
        with seen (id, requests, at) as (values ${values})
        update users set
          total_requests = users.total_requests + seen.requests,
          last_seen_at = case when users.last_seen_at is null or users.last_seen_at < seen.at then seen.at else users.last_seen_at end
        from seen
        where users.id = seen.id`.execute(this.db);
    }
  }

  /** A metric's total per bucket, for buckets with any count in [from, to); `bucketMs` is one of the fixed bucket sizes. */
  async series(metric: Metric, route: string, from: number, to: number, bucketMs: number): Promise<SeriesPoint[]> {
    // A literal, not a parameter: PostgreSQL must see the same expression in the select list and the group by.
    const bucket = sql<number>`minute - minute % ${sql.lit(Math.trunc(bucketMs))}`;
    const rows = await this.db
      .selectFrom('usage_minutes')
      .select([bucket.as('t'), (eb) => eb.fn.sum<number | string>('count').as('value')])
      .where('metric', '=', metric)
      .where('route', '=', route)
      .where('minute', '>=', from)
      .where('minute', '<', to)
      .groupBy(bucket)
      .orderBy(bucket)
      .execute();
    return rows.map((row) => ({ t: Number(row.t), value: Number(row.value) }));
  }

  /** The routes with the most requests in [from, to), with their errors. */
  async topRoutes(from: number, to: number, limit: number): Promise<RouteUsage[]> {
    const requests = sql<number | string>`sum(case when metric = 'requests' then count else 0 end)`;
    const rows = await this.db
      .selectFrom('usage_minutes')
      .select(['route', requests.as('requests'), sql<number | string>`sum(case when metric = 'errors' then count else 0 end)`.as('errors')])
      .where('minute', '>=', from)
      .where('minute', '<', to)
      .where('metric', 'in', ['requests', 'errors'])
      .where('route', '<>', '')
      .groupBy('route')
      .orderBy(requests, 'desc')
      .orderBy('route')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ route: row.route, requests: Number(row.requests), errors: Number(row.errors) }));
  }

  /** The users with the most requests ever (counters on the user row, index users_total_requests). */
  async topUsers(limit: number): Promise<UserUsageTotal[]> {
    const rows = await this.db
      .selectFrom('users')
      .select(['id', 'total_requests', 'last_seen_at'])
      .where('total_requests', '>', 0)
      .orderBy('total_requests', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ userId: row.id, requests: Number(row.total_requests), lastSeenAt: row.last_seen_at }));
  }

  async deleteMinutesBefore(minute: number): Promise<number> {
    const result = await this.db.deleteFrom('usage_minutes').where('minute', '<', minute).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
