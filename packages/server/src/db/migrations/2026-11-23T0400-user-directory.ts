import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen: never edit after it has landed; add a new migration instead.

/**
 * Indexes for the admin user directory (GET /users) at a million users: one per sort key (ties broken by id, so
 * keyset cursors are stable), role, the statuses few users have, prefix search on email and username, and a
 * trigram index for substring search on email, username and display name.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    // Already inside the migrator's transaction.
    await createIndexes(db);
    await postgresSearch(db);
  } else {
    // The migrator gives SQLite no transaction: without one, a failure half-way would leave indexes that make the
    // next attempt fail too.
    await db.transaction().execute(async (trx) => {
      await createIndexes(trx);
      await sqliteSearch(trx);
    });
  }
}

async function createIndexes(db: Kysely<unknown>): Promise<void> {
  // Sort keys are never NULL, so one row-value comparison pages through users with and without them. Users without
  // an email sort by username among the emails, rather than all together at one end.
  await db.schema.createIndex('users_email_sort').on('users').expression(sql`coalesce(email, lower(username), ''), id`).execute();
  await db.schema.createIndex('users_last_login_sort').on('users').expression(sql`coalesce(last_login_at, 0), id`).execute();
  await db.schema.createIndex('users_role_created').on('users').columns(['role', 'created_at', 'id']).execute();
  // Partial indexes for the statuses few users have (the common one, active, is served by walking a sort index),
  // led by role, so that a role and a status together find their few users without visiting the others.
  await db.schema.createIndex('users_suspended_role').on('users').columns(['role', 'created_at', 'id']).where(sql<boolean>`is_suspended`).execute();
  await db.schema.createIndex('users_inactive_role').on('users').columns(['role', 'created_at', 'id']).where(sql<boolean>`not is_active`).execute();
  await db.schema.createIndex('users_unverified_role').on('users').columns(['role', 'created_at', 'id']).where(sql<boolean>`not is_verified`).execute();
}

async function postgresSearch(db: Kysely<unknown>): Promise<void> {
  // Prefix ranges need byte order whatever the database collation is.
  await db.schema.createIndex('users_email_prefix').on('users').expression(sql`lower(email) collate "C"`).execute();
  await db.schema.createIndex('users_username_prefix').on('users').expression(sql`lower(username) collate "C"`).execute();

  // An extension belongs to the whole database while every test server migrates its own schema, concurrently: the
  // lock makes one of them create it and the others find it. It may already live elsewhere (an `extensions`
  // schema), so the operator class is named where pg_extension says it is.
  await sql`select pg_advisory_xact_lock(hashtext('gatehouse:create extension pg_trgm'))`.execute(db);
  await sql`create extension if not exists pg_trgm with schema public`.execute(db);
  const { rows } = await sql<{ schema: string }>`
    select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'
  `.execute(db);
  const opclass = sql`${sql.id(rows[0]?.schema ?? 'public')}.gin_trgm_ops`;
  // Newline separates the fields, and searches never contain one, so no match spans two fields.
  await sql`
    create index users_search_trgm on users using gin (
      (lower(coalesce(email, '') || chr(10) || coalesce(username, '') || chr(10) || coalesce(display_name, ''))) ${opclass}
    )
  `.execute(db);
}

async function sqliteSearch(db: Kysely<unknown>): Promise<void> {
  // Prefix ranges use the unique lower(email) and lower(username) indexes of the initial migration.
  // External content: the index holds only trigrams and reads the text from users by rowid. VACUUM keeps rowids of
  // rowid tables on the SQLite versions better-sqlite3 ships; `insert into users_search(users_search) values
  // ('rebuild')` re-derives the index if that ever changes.
  await sql`
    create virtual table users_search using fts5(
      email, username, display_name, content = 'users', content_rowid = 'rowid', tokenize = 'trigram'
    )
  `.execute(db);
  await sql`
    create trigger users_search_insert after insert on users begin
      insert into users_search (rowid, email, username, display_name) values (new.rowid, new.email, new.username, new.display_name);
    end
  `.execute(db);
  await sql`
    create trigger users_search_delete after delete on users begin
      insert into users_search (users_search, rowid, email, username, display_name)
        values ('delete', old.rowid, old.email, old.username, old.display_name);
    end
  `.execute(db);
  await sql`
    create trigger users_search_update after update of email, username, display_name on users begin
      insert into users_search (users_search, rowid, email, username, display_name)
        values ('delete', old.rowid, old.email, old.username, old.display_name);
      insert into users_search (rowid, email, username, display_name) values (new.rowid, new.email, new.username, new.display_name);
    end
  `.execute(db);
  await sql`insert into users_search (users_search) values ('rebuild')`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Gatehouse migrations are forward-only');
}
