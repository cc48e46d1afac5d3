import type { Kysely } from 'kysely';

// Frozen: never edit after it has landed; add a new migration instead.

/**
 * Per-user rate limits an administrator may set (API.md "Rate limits"). NULL means the configured default for the
 * user's role (RATE_LIMIT_USER_PER_*, times RATE_LIMIT_ADMIN_MULTIPLIER for admins).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('rate_limit_per_minute', 'integer').execute();
  await db.schema.alterTable('users').addColumn('rate_limit_per_hour', 'integer').execute();
  await db.schema.alterTable('users').addColumn('rate_limit_per_day', 'integer').execute();
}

export async function down(): Promise<void> {
  throw new Error('Gatehouse migrations are forward-only');
}
