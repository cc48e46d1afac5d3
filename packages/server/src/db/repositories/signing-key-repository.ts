import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../schema.js';

export interface StoredSigningKey {
  readonly kid: string;
  readonly alg: string;
  readonly publicJwk: string;
  /** Sealed with the key-encryption key derived from the server secret. */
  readonly sealedPrivateKey: string;
  readonly createdAt: number;
  readonly retiredAt: number | null;
}

export class SigningKeyRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /** Keys still in use: the active ones and those retired after `retiredSince` (their tokens may not have expired). */
  async listUsable(retiredSince: number): Promise<StoredSigningKey[]> {
    const rows = await this.db
      .selectFrom('signing_keys')
      .selectAll()
      .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>=', retiredSince)]))
      .orderBy('created_at', 'desc')
      .orderBy('kid', 'desc')
      .execute();
    return rows.map((row) => ({
      kid: row.kid,
      alg: row.alg,
      publicJwk: row.public_jwk,
      sealedPrivateKey: row.private_key,
      createdAt: row.created_at,
      retiredAt: row.retired_at,
    }));
  }

  async insert(key: StoredSigningKey): Promise<void> {
    await this.db
      .insertInto('signing_keys')
      .values({
        kid: key.kid,
        alg: key.alg,
        public_jwk: key.publicJwk,
        private_key: key.sealedPrivateKey,
        created_at: key.createdAt,
        retired_at: key.retiredAt,
      })
      .execute();
  }

  /** Retires every active key except `keep`: they stop signing but keep verifying until their tokens expire. */
  async retireAllExcept(keep: string, at: number): Promise<void> {
    await this.db.updateTable('signing_keys').set({ retired_at: at }).where('retired_at', 'is', null).where('kid', '!=', keep).execute();
  }
}
