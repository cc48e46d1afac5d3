import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../schema.js';

export interface Client {
  readonly clientId: string;
  readonly deviceName: string | null;
  readonly firstSeenAt: number;
  readonly lastSeenAt: number;
}

/** The devices each user signs in from: one row per (user, client id), upserted on every sighting. */
export class ClientRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async seen(userId: string, clientId: string, deviceName: string | null, at: number): Promise<void> {
    await this.db
      .insertInto('clients')
      .values({ user_id: userId, client_id: clientId, device_name: deviceName, first_seen_at: at, last_seen_at: at })
      .onConflict((conflict) => conflict.columns(['user_id', 'client_id']).doUpdateSet({ device_name: deviceName, last_seen_at: at }))
      .execute();
  }

  async listForUser(userId: string): Promise<Client[]> {
    const rows = await this.db
      .selectFrom('clients')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('last_seen_at', 'desc')
      .orderBy('client_id')
      .execute();
    return rows.map((row) => ({ clientId: row.client_id, deviceName: row.device_name, firstSeenAt: row.first_seen_at, lastSeenAt: row.last_seen_at }));
  }
}
