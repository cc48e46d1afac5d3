import { Type } from 'typebox';
import type { Analytics } from '../../domain/analytics/read-analytics.js';
import { type Bucket, BUCKETS, type Metric, METRICS } from '../../domain/analytics/usage-metrics.js';
import { iso, isoOrNull, NullableTime, Time } from './fields.js';

const Count = Type.Integer({ minimum: 0 });
const METRIC_MEANING =
  'requests: every answered request; errors: answers with status 400 or above (client and server errors); ' +
  'logins / login_failures: password and cookie logins that succeeded / failed; signups: self-service registrations';
const metricName = (description: string) => Type.Unsafe<Metric>({ type: 'string', enum: [...METRICS], description });
const bucketName = (description: string) => Type.Unsafe<Bucket>({ type: 'string', enum: Object.keys(BUCKETS), description });

export const AnalyticsQuery = Type.Object(
  {
    metric: Type.Optional(metricName(`${METRIC_MEANING}. Default requests`)),
    bucket: Type.Optional(bucketName('UTC minutes, hours or days. Default hour')),
    from: Type.Optional(
      Type.String({ format: 'date-time', description: 'Inclusive, rounded down to its bucket. Default: 60 minutes, 24 hours or 30 days before to' }),
    ),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Exclusive, rounded up to a bucket boundary. Default: the end of the current bucket' })),
  },
  { additionalProperties: false },
);

export const AnalyticsResponse = Type.Object(
  {
    metric: metricName(METRIC_MEANING),
    bucket: bucketName('UTC minutes, hours or days'),
    from: Time,
    to: Time,
    points: Type.Array(Type.Object({ t: Time, value: Count }), {
      description: 'One point per bucket from `from` to `to`, zero where nothing was counted (at most 1440 points)',
    }),
    top_routes: Type.Array(Type.Object({ route: Type.String({ description: 'Method and route template, such as GET /api/v1/users/:id' }), requests: Count, errors: Count }), {
      description: 'The ten routes with the most requests in the range; requests no route matched count as (unmatched)',
    }),
    top_users: Type.Array(Type.Object({ user_id: Type.String(), requests: Count, last_seen_at: NullableTime }), {
      description: 'The ten users with the most authenticated requests ever (lifetime counters, not limited to the range)',
    }),
  },
  {
    title: 'Analytics',
    description:
      'Counts are written by each instance every ANALYTICS_FLUSH_SECONDS (and at shutdown); this instance writes its own before answering, ' +
      "so another instance's last few seconds may be missing.",
  },
);

export function toAnalyticsResponse(analytics: Analytics) {
  return {
    metric: analytics.metric,
    bucket: analytics.bucket,
    from: iso(analytics.from),
    to: iso(analytics.to),
    points: analytics.points.map((point) => ({ t: iso(point.t), value: point.value })),
    top_routes: analytics.topRoutes.map((route) => ({ ...route })),
    top_users: analytics.topUsers.map((user) => ({ user_id: user.userId, requests: user.requests, last_seen_at: isoOrNull(user.lastSeenAt) })),
  };
}
