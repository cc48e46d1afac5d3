import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../schema.js';

export interface RefreshTokenRecord {
  readonly sessionId: string;
  readonly createdAt: number;
  readonly usedAt: number | null;
}

export class RefreshTokenRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async insert(tokenHash: string, sessionId: string, at: number): Promise<void> {
    await this.db.insertInto('refresh_tokens').values({ token_hash: tokenHash, session_id: sessionId, created_at: at, used_at: null }).execute();
  }

  /**
   * Redeems the token in one statement that checks and invalidates it, so of two concurrent redemptions exactly
   * one gets the row back. Returns undefined when the token is unknown or already used.
   */
  async consume(tokenHash: string, at: number): Promise<RefreshTokenRecord | undefined> {
    const row = await this.db
      .updateTable('refresh_tokens')
      .set({ used_at: at })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .returning(['session_id', 'created_at', 'used_at'])
      .executeTakeFirst();
    return row && { sessionId: row.session_id, createdAt: row.created_at, usedAt: row.used_at };
  }

  async find(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
    const row = await this.db
      .selectFrom('refresh_tokens')
      .select(['session_id', 'created_at', 'used_at'])
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row && { sessionId: row.session_id, createdAt: row.created_at, usedAt: row.used_at };
  }
}
