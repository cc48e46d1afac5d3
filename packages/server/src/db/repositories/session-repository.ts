import type { Kysely, Selectable } from 'kysely';
import type { Session } from '../../domain/sessions/session.js';
import type { DatabaseSchema, SessionsTable } from '../schema.js';

function toSession(row: Selectable<SessionsTable>): Session {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: row.created_at,
    lastActiveAt: row.last_active_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    ip: row.ip,
    userAgent: row.user_agent,
    deviceName: row.device_name,
    clientId: row.client_id,
    method: row.method,
  };
}

export class SessionRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async insert(session: Session): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id: session.id,
        user_id: session.userId,
        created_at: session.createdAt,
        last_active_at: session.lastActiveAt,
        expires_at: session.expiresAt,
        revoked_at: null,
        revoke_reason: null,
        ip: session.ip,
        user_agent: session.userAgent,
        device_name: session.deviceName,
        client_id: session.clientId,
        method: session.method,
      })
      .execute();
  }

  async findById(id: string): Promise<Session | undefined> {
    const row = await this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toSession(row);
  }

  /** Marks the session revoked; false when it already was (so the caller publishes the event once). */
  async revoke(id: string, at: number, reason: string): Promise<boolean> {
    const result = await this.db
      .updateTable('sessions')
      .set({ revoked_at: at, revoke_reason: reason })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** The user's live sessions, newest first, after the keyset position `after` (exclusive) or `offset` rows. */
  async listLive(userId: string, now: number, page: { limit: number; after?: { at: number; id: string } | undefined; offset?: number | undefined }): Promise<Session[]> {
    const { limit, after, offset } = page;
    let query = this.db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now);
    if (after) {
      query = query.where((eb) =>
        eb.or([eb('created_at', '<', after.at), eb.and([eb('created_at', '=', after.at), eb('id', '<', after.id)])]),
      );
    }
    if (offset) query = query.offset(offset);
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toSession);
  }

  async countLive(userId: string, now: number): Promise<number> {
    const row = await this.db
      .selectFrom('sessions')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** Records activity seen in memory; never moves last_active_at backwards. */
  async recordActivity(id: string, at: number): Promise<void> {
    await this.db.updateTable('sessions').set({ last_active_at: at }).where('id', '=', id).where('last_active_at', '<', at).execute();
  }

  /** Revokes every live session of the user except `keep`; returns the ids revoked by this call. */
  async revokeAllForUser(userId: string, at: number, reason: string, keep?: string): Promise<string[]> {
    let query = this.db
      .updateTable('sessions')
      .set({ revoked_at: at, revoke_reason: reason })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null);
    if (keep !== undefined) query = query.where('id', '!=', keep);
    const rows = await query.returning('id').execute();
    return rows.map((row) => row.id);
  }

  async listForUser(userId: string): Promise<Session[]> {
    const rows = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(toSession);
  }

  /** Ids of the user's sessions that are neither revoked nor expired. */
  async liveIdsForUser(userId: string, now: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('sessions')
      .select('id')
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .execute();
    return rows.map((row) => row.id);
  }

  /** Sessions revoked since `since` whose access tokens may still be in circulation. */
  async revokedSince(since: number): Promise<Array<{ id: string; userId: string; revokedAt: number }>> {
    const rows = await this.db.selectFrom('sessions').select(['id', 'user_id', 'revoked_at']).where('revoked_at', '>=', since).execute();
    return rows.map((row) => ({ id: row.id, userId: row.user_id, revokedAt: row.revoked_at ?? since }));
  }
}
