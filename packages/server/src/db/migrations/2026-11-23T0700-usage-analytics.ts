import type { Kysely } from 'kysely';

// Frozen: never edit after it has landed; add a new migration instead.

/**
 * Usage analytics (API.md GET /admin/analytics). Each process counts in memory and adds its counts here in batches:
 * one row per (minute, metric, route), where route '' holds the totals and `GET /api/v1/users/:id` a route's share.
 * Hour and day buckets are sums of minutes, so nothing is rolled up; minutes past the retention are deleted.
 * Per-user counters live on the user (lifetime request count, last request seen).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('usage_minutes')
    .addColumn('minute', 'bigint', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('route', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    // Minute first: the retention purge and the top-routes query both read a range of minutes.
    .addPrimaryKeyConstraint('usage_minutes_pkey', ['minute', 'metric', 'route'])
    .execute();
  // A metric's series: one index range per (metric, route), covering, so a day bucket sums minutes without the table.
  await db.schema.createIndex('usage_minutes_series').on('usage_minutes').columns(['metric', 'route', 'minute', 'count']).execute();

  await db.schema.alterTable('users').addColumn('total_requests', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('users').addColumn('last_seen_at', 'bigint').execute();
  // The busiest users, without a scan of every user.
  await db.schema.createIndex('users_total_requests').on('users').columns(['total_requests', 'id']).execute();
}

export async function down(): Promise<void> {
  throw new Error('Gatehouse migrations are forward-only');
}
