/**
 * What GET /admin/analytics can chart. `errors` are answers with status 400 and above (client and server errors
 * alike); `logins`, `login_failures` and `signups` come from the use-cases, not from status codes.
 */
export const METRICS = ['requests', 'errors', 'logins', 'login_failures', 'signups'] as const;
export type Metric = (typeof METRICS)[number];

/** The metrics a use-case reports through `ctx.usage.count` (requests and errors are counted by the HTTP hook). */
export type DomainMetric = Extract<Metric, 'logins' | 'login_failures' | 'signups'>;

export const MINUTE_MS = 60_000;

export const BUCKETS = { minute: MINUTE_MS, hour: 3_600_000, day: 86_400_000 } as const;
export type Bucket = keyof typeof BUCKETS;

/** The start of the minute that `at` falls in. */
export const minuteOf = (at: number): number => at - (at % MINUTE_MS);

/** The `route` of a metric's total row (a route's own rows carry its method and template). */
export const ALL_ROUTES = '';
