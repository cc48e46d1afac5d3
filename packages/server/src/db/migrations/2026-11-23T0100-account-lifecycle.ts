import type { Kysely } from 'kysely';

// Frozen: never edit after it has landed; add a new migration instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  // SQLite adds one column per ALTER TABLE.
  await db.schema.alterTable('users').addColumn('suspended_reason', 'varchar(500)').execute();
  await db.schema.alterTable('users').addColumn('suspended_until', 'bigint').execute();

  // Email verification and password reset tokens: only their keyed hash is stored; `email` binds a token to the
  // address it was mailed to, so changing the address voids it.
  await db.schema
    .createTable('account_tokens')
    .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(36)', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('email', 'varchar(320)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('account_tokens_user_kind').on('account_tokens').columns(['user_id', 'kind']).execute();
  await db.schema.createIndex('account_tokens_expires_at').on('account_tokens').column('expires_at').execute();
  await db.schema.createIndex('users_suspended_until').on('users').column('suspended_until').execute();
}

export async function down(): Promise<void> {
  throw new Error('Gatehouse migrations are forward-only');
}
