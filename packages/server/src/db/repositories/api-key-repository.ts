import type { Kysely, Selectable } from 'kysely';
import type { ApiKey, Scope } from '../../domain/api-keys/api-key.js';
import type { ApiKeysTable, DatabaseSchema } from '../schema.js';

function toApiKey(row: Selectable<ApiKeysTable>): ApiKey {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    prefix: row.prefix,
    scopes: JSON.parse(row.scopes) as Scope[],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
  };
}

export class ApiKeyRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async insert(key: ApiKey, keyHash: string): Promise<void> {
    await this.db
      .insertInto('api_keys')
      .values({
        id: key.id,
        user_id: key.userId,
        name: key.name,
        prefix: key.prefix,
        key_hash: keyHash,
        scopes: JSON.stringify(key.scopes),
        created_at: key.createdAt,
        expires_at: key.expiresAt,
        last_used_at: null,
      })
      .execute();
  }

  async findByHash(keyHash: string): Promise<ApiKey | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
    return row && toApiKey(row);
  }

  async listForUser(userId: string): Promise<ApiKey[]> {
    const rows = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(toApiKey);
  }

  async countForUser(userId: string): Promise<number> {
    const row = await this.db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** Deletes the user's keys matching `filter`; returns the ids deleted (others' keys are never touched). */
  async deleteForUser(userId: string, filter: { readonly id?: string; readonly name?: string }): Promise<string[]> {
    let query = this.db.deleteFrom('api_keys').where('user_id', '=', userId);
    if (filter.id !== undefined) query = query.where('id', '=', filter.id);
    if (filter.name !== undefined) query = query.where('name', '=', filter.name);
    const rows = await query.returning('id').execute();
    return rows.map((row) => row.id);
  }

  /** Records use seen in memory; never moves last_used_at backwards. */
  async recordUse(id: string, at: number): Promise<void> {
    await this.db
      .updateTable('api_keys')
      .set({ last_used_at: at })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', at)]))
      .execute();
  }
}
