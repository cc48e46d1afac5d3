import type { Kysely } from 'kysely';

// Frozen: never edit after it has landed; add a new migration instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  // The devices a user signs in from, one row per client id (API.md /users/me/clients); kept when sessions end.
  await db.schema
    .createTable('clients')
    .addColumn('user_id', 'varchar(36)', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('client_id', 'varchar(40)', (c) => c.notNull())
    .addColumn('device_name', 'varchar(100)')
    .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('clients_pk', ['user_id', 'client_id'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Gatehouse migrations are forward-only');
}
