import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../schema.js';

export interface UserCounts {
  readonly total: number;
  readonly active: number;
  readonly verified: number;
  readonly suspended: number;
  readonly admins: number;
}

/**
 * Counts for GET /admin/stats, each from a small table or an index range, never a scan of users or sessions:
 * user counts are kept by triggers (migration 0500), the rest are counts over indexes on time.
 */
export class StatsRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async userCounts(): Promise<UserCounts> {
    // PostgreSQL's sum over bigint is numeric, which pg hands back as a string.
    const row = await this.db
      .selectFrom('user_counts')
      .select((eb) => [
        eb.fn.sum<number | string | null>('total').as('total'),
        eb.fn.sum<number | string | null>('active').as('active'),
        eb.fn.sum<number | string | null>('verified').as('verified'),
        eb.fn.sum<number | string | null>('suspended').as('suspended'),
        eb.fn.sum<number | string | null>('admins').as('admins'),
      ])
      .executeTakeFirstOrThrow();
    return {
      total: Number(row.total ?? 0),
      active: Number(row.active ?? 0),
      verified: Number(row.verified ?? 0),
      suspended: Number(row.suspended ?? 0),
      admins: Number(row.admins ?? 0),
    };
  }

  /** Login attempts at or after `since`, by outcome (an index-only count over login_history (at, id, success)). */
  async loginsSince(since: number): Promise<{ success: number; failure: number }> {
    const rows = await this.db
      .selectFrom('login_history')
      .select((eb) => ['success', eb.fn.countAll<number | string>().as('count')])
      .where('at', '>=', since)
      .groupBy('success')
      .execute();
    let success = 0;
    let failure = 0;
    for (const row of rows) {
      if (row.success) success += Number(row.count);
      else failure += Number(row.count);
    }
    return { success, failure };
  }

  /** Sessions neither revoked nor expired (the partial index holds unrevoked sessions only). */
  async liveSessions(now: number): Promise<number> {
    const row = await this.db
      .selectFrom('sessions')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }
}
