import type { Kysely, Selectable } from 'kysely';
import type { DatabaseSchema, LoginHistoryTable } from '../schema.js';

export interface LoginAttempt {
  readonly id: string;
  readonly userId: string | null;
  readonly identifier: string;
  readonly at: number;
  readonly success: boolean;
  readonly method: string;
  readonly reason: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly sessionId: string | null;
}

export class LoginHistoryRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async insert(attempt: LoginAttempt): Promise<void> {
    await this.db
      .insertInto('login_history')
      .values({
        id: attempt.id,
        user_id: attempt.userId,
        identifier: attempt.identifier,
        at: attempt.at,
        success: attempt.success ? 1 : 0,
        method: attempt.method,
        reason: attempt.reason,
        ip: attempt.ip,
        user_agent: attempt.userAgent,
        session_id: attempt.sessionId,
      })
      .execute();
  }

  /** Whether the user has logged in successfully before from this IP with this user agent (for "new sign-in" notices). */
  async hasSucceededFrom(userId: string, ip: string | null, userAgent: string | null): Promise<boolean> {
    const row = await this.db
      .selectFrom('login_history')
      .select('id')
      .where('user_id', '=', userId)
      .where('success', '=', 1)
      .where((eb) => (ip === null ? eb('ip', 'is', null) : eb('ip', '=', ip)))
      .where((eb) => (userAgent === null ? eb('user_agent', 'is', null) : eb('user_agent', '=', userAgent)))
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async deleteOlderThan(at: number): Promise<number> {
    const result = await this.db.deleteFrom('login_history').where('at', '<', at).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async listForUser(userId: string, limit: number): Promise<LoginAttempt[]> {
    const rows = await this.db
      .selectFrom('login_history')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toAttempt);
  }

  /** The user's attempts newest first, after the keyset position `after` (exclusive) or `offset` rows (index login_history_user_at). */
  async pageForUser(userId: string, page: { limit: number; after?: { at: number; id: string } | undefined; offset?: number | undefined }): Promise<LoginAttempt[]> {
    const { limit, after, offset } = page;
    let query = this.db.selectFrom('login_history').selectAll().where('user_id', '=', userId);
    if (after) {
      query = query.where((eb) => eb.or([eb('at', '<', after.at), eb.and([eb('at', '=', after.at), eb('id', '<', after.id)])]));
    }
    if (offset) query = query.offset(offset);
    const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toAttempt);
  }

  async countForUser(userId: string): Promise<number> {
    const row = await this.db
      .selectFrom('login_history')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }
}

function toAttempt(row: Selectable<LoginHistoryTable>): LoginAttempt {
  return {
    id: row.id,
    userId: row.user_id,
    identifier: row.identifier,
    at: row.at,
    success: Boolean(row.success),
    method: row.method,
    reason: row.reason,
    ip: row.ip,
    userAgent: row.user_agent,
    sessionId: row.session_id,
  };
}
