import type { Clock } from '../../clock.js';
import { ALL_ROUTES, type DomainMetric, type Metric, minuteOf } from './usage-metrics.js';

export interface MinuteCount {
  readonly minute: number;
  readonly metric: Metric;
  readonly route: string;
  count: number;
}

export interface UserUsage {
  readonly userId: string;
  requests: number;
  lastSeenAt: number;
}

/** What one flush adds to the database: counts to add, never totals to overwrite (other instances add theirs). */
export interface UsageBatch {
  readonly minutes: readonly MinuteCount[];
  readonly users: readonly UserUsage[];
}

export interface AnsweredRequest {
  /** `GET /api/v1/users/:id`: the method and the route template, never the raw URL (ids and queries stay out). */
  readonly route: string;
  readonly status: number;
  readonly userId: string | undefined;
}

export interface UsageCollectorOptions {
  readonly enabled: boolean;
  /** Bounds memory while the database is away: new keys past these are dropped (and reported), existing ones still count. */
  readonly maxMinuteRows?: number;
  readonly maxUsers?: number;
}

/**
 * Usage counted in this process's memory (a map update per request, no I/O) and handed to `write` in one batch per
 * flush. A flush that fails puts its counts back, so the next one writes them; flushes run one at a time, so a
 * count is written exactly once.
 */
export class UsageCollector {
  private minutes = new Map<string, MinuteCount>();
  private users = new Map<string, UserUsage>();
  private queue: Promise<void> = Promise.resolve();
  private dropped = 0;
  private readonly maxMinuteRows: number;
  private readonly maxUsers: number;

  constructor(
    private readonly write: (batch: UsageBatch) => Promise<void>,
    private readonly clock: Clock,
    private readonly options: UsageCollectorOptions,
  ) {
    this.maxMinuteRows = options.maxMinuteRows ?? 50_000;
    this.maxUsers = options.maxUsers ?? 100_000;
  }

  get enabled(): boolean {
    return this.options.enabled;
  }

  /** The port the use-cases call: a login, a failed login, a sign-up. */
  count(metric: DomainMetric): void {
    if (this.options.enabled) this.add(minuteOf(this.clock.now()), metric, ALL_ROUTES, 1);
  }

  /** Called once per answered request by the HTTP hook. */
  request(answered: AnsweredRequest): void {
    if (!this.options.enabled) return;
    const now = this.clock.now();
    const minute = minuteOf(now);
    this.add(minute, 'requests', ALL_ROUTES, 1);
    this.add(minute, 'requests', answered.route, 1);
    if (answered.status >= 400) {
      this.add(minute, 'errors', ALL_ROUTES, 1);
      this.add(minute, 'errors', answered.route, 1);
    }
    if (answered.userId !== undefined) this.seen({ userId: answered.userId, requests: 1, lastSeenAt: now });
  }

  /** Writes what has been counted so far; waits for a flush already running, then runs its own. */
  flush(): Promise<void> {
    const run = this.queue.then(() => this.writePending());
    this.queue = run.catch(() => {});
    return run;
  }

  /** Counts given up because memory was full (the database was away for long); reported by whoever flushes. */
  takeDropped(): number {
    const dropped = this.dropped;
    this.dropped = 0;
    return dropped;
  }

  private async writePending(): Promise<void> {
    if (this.minutes.size === 0 && this.users.size === 0) return;
    const minutes = this.minutes;
    const users = this.users;
    this.minutes = new Map();
    this.users = new Map();
    try {
      await this.write({ minutes: [...minutes.values()], users: [...users.values()] });
    } catch (error) {
      for (const row of minutes.values()) this.add(row.minute, row.metric, row.route, row.count);
      for (const usage of users.values()) this.seen(usage);
      throw error;
    }
  }

  private add(minute: number, metric: Metric, route: string, count: number): void {
    const key = `${minute} ${metric} ${route}`;
    const row = this.minutes.get(key);
    if (row) row.count += count;
    else if (this.minutes.size < this.maxMinuteRows) this.minutes.set(key, { minute, metric, route, count });
    else this.dropped += count;
  }

  private seen(usage: UserUsage): void {
    const known = this.users.get(usage.userId);
    if (known) {
      known.requests += usage.requests;
      known.lastSeenAt = Math.max(known.lastSeenAt, usage.lastSeenAt);
    } else if (this.users.size < this.maxUsers) {
      this.users.set(usage.userId, { ...usage });
    } else {
      this.dropped += usage.requests;
    }
  }
}
