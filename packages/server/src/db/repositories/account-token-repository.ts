import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../schema.js';

export type AccountTokenKind = 'email_verification' | 'password_reset';

export interface NewAccountToken {
  readonly tokenHash: string;
  readonly kind: AccountTokenKind;
  readonly userId: string;
  readonly email: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface RedeemedToken {
  readonly userId: string;
  readonly email: string;
}

/** Single-use tokens mailed to people. Redeeming is one DELETE … RETURNING, so two concurrent redemptions cannot both win. */
export class AccountTokenRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async insert(token: NewAccountToken): Promise<void> {
    await this.db
      .insertInto('account_tokens')
      .values({
        token_hash: token.tokenHash,
        kind: token.kind,
        user_id: token.userId,
        email: token.email,
        created_at: token.createdAt,
        expires_at: token.expiresAt,
      })
      .execute();
  }

  /** Looks without redeeming (to check a new password against the policy before the token is spent). */
  async find(tokenHash: string, kind: AccountTokenKind, now: number): Promise<RedeemedToken | undefined> {
    const row = await this.db
      .selectFrom('account_tokens')
      .select(['user_id', 'email'])
      .where('token_hash', '=', tokenHash)
      .where('kind', '=', kind)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row && { userId: row.user_id, email: row.email };
  }

  async redeem(tokenHash: string, kind: AccountTokenKind, now: number): Promise<RedeemedToken | undefined> {
    const row = await this.db
      .deleteFrom('account_tokens')
      .where('token_hash', '=', tokenHash)
      .where('kind', '=', kind)
      .where('expires_at', '>', now)
      .returning(['user_id', 'email'])
      .executeTakeFirst();
    return row && { userId: row.user_id, email: row.email };
  }

  /** Voids every outstanding token of this kind for the user (a newer one replaces them, or the secret they protect changed). */
  async deleteForUser(userId: string, kind: AccountTokenKind): Promise<void> {
    await this.db.deleteFrom('account_tokens').where('user_id', '=', userId).where('kind', '=', kind).execute();
  }

  /**
   * Deletes every token of this kind for the user but the newest. Run it after the transaction that inserted a token
   * has committed: concurrent issues each delete only what was committed before them, so all their tokens would stay
   * live; whichever of these runs last sees them all and keeps one.
   */
  async keepNewest(userId: string, kind: AccountTokenKind): Promise<void> {
    const newest = this.db
      .selectFrom('account_tokens')
      .select('token_hash')
      .where('user_id', '=', userId)
      .where('kind', '=', kind)
      .orderBy('created_at', 'desc')
      .orderBy('token_hash', 'desc')
      .limit(1);
    await this.db
      .deleteFrom('account_tokens')
      .where('user_id', '=', userId)
      .where('kind', '=', kind)
      .where('token_hash', '<>', newest)
      .execute();
  }

  async deleteExpired(now: number): Promise<number> {
    const result = await this.db.deleteFrom('account_tokens').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
