import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen: never edit after it has landed; add a new migration instead.

/**
 * GET /admin/stats must not count a million users per request, so the counts are kept by the database itself:
 * triggers on `users` add each change to `user_counts`, whatever wrote it (HTTP, CLI, a job, hand-written SQL).
 * "active" is is_active and not suspended; "admins" counts every admin account, active or not.
 *
 * PostgreSQL: statement-level triggers read the transition tables, so a statement touching many users updates the
 * counters once, after it has taken all its row locks (no deadlock with a transaction holding one of those users).
 * Each connection adds to its own slot (backend pid modulo SLOTS), so concurrent registrations on different
 * connections do not queue behind one counter row; the answer is the sum of the slots. SQLite has one writer at a
 * time, so one slot and row-level triggers suffice there.
 */
const PG_SLOTS = 16;

export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    // Already inside the migrator's transaction; creating the triggers locks `users` against writes until it
    // commits, so the initial count below cannot miss a concurrent change.
    await createSchema(db, true);
    await createPostgresTriggers(db);
    await seedCounts(db, PG_SLOTS);
  } else {
    // The migrator gives SQLite no transaction: without one, a crash half-way would leave triggers without counts.
    await db.transaction().execute(async (trx) => {
      await createSchema(trx, false);
      await createSqliteTriggers(trx);
      await seedCounts(trx, 1);
    });
  }
}

async function createSchema(db: Kysely<unknown>, postgres: boolean): Promise<void> {
  await db.schema
    .createTable('user_counts')
    .addColumn('slot', 'integer', (c) => c.primaryKey())
    .addColumn('total', 'bigint', (c) => c.notNull())
    .addColumn('active', 'bigint', (c) => c.notNull())
    .addColumn('verified', 'bigint', (c) => c.notNull())
    .addColumn('suspended', 'bigint', (c) => c.notNull())
    .addColumn('admins', 'bigint', (c) => c.notNull())
    .execute();

  // logins_24h: an index-only count over the last day; (at, id) also orders the audit log's login rows.
  await db.schema.createIndex('login_history_at_id_success').on('login_history').columns(['at', 'id', 'success']).execute();
  await db.schema.dropIndex('login_history_at').execute();
  // active_sessions: only unrevoked sessions are in this index, so the count never walks revoked ones. On SQLite
  // revoked_at (always null in it) makes it covering, without which its planner prefers a scan of the table;
  // PostgreSQL counts from the narrower index alone (index-only scan).
  await db.schema
    .createIndex('sessions_live_expires_at')
    .on('sessions')
    .columns(postgres ? ['expires_at'] : ['expires_at', 'revoked_at'])
    .where(sql.ref('revoked_at'), 'is', null)
    .execute();
}

/** The counts of the users already there go to slot 0; the other slots start at zero. */
async function seedCounts(db: Kysely<unknown>, slots: number): Promise<void> {
  await sql`
    insert into user_counts (slot, total, active, verified, suspended, admins)
    select 0, count(*),
      coalesce(sum(case when is_active and not is_suspended then 1 else 0 end), 0),
      coalesce(sum(case when is_verified then 1 else 0 end), 0),
      coalesce(sum(case when is_suspended then 1 else 0 end), 0),
      coalesce(sum(case when role = 'admin' then 1 else 0 end), 0)
    from users`.execute(db);
  for (let slot = 1; slot < slots; slot++) {
    await sql`insert into user_counts (slot, total, active, verified, suspended, admins) values (${slot}, 0, 0, 0, 0, 0)`.execute(db);
  }
}

/** The change a set of rows makes to each counter, `sign` being +1 for new rows and -1 for old ones. */
const PG_DELTA = `
  coalesce(sum(sign), 0),
  coalesce(sum(sign) filter (where is_active and not is_suspended), 0),
  coalesce(sum(sign) filter (where is_verified), 0),
  coalesce(sum(sign) filter (where is_suspended), 0),
  coalesce(sum(sign) filter (where role = 'admin'), 0)`;
const PG_COLUMNS = 'is_active, is_suspended, is_verified, role';

async function createPostgresTriggers(db: Kysely<unknown>): Promise<void> {
  // `set search_path from current` pins the schema the counters live in, whatever a writer's search_path is.
  await sql
    .raw(`
    create function user_counts_apply() returns trigger language plpgsql set search_path from current as $$
    declare
      d_total bigint; d_active bigint; d_verified bigint; d_suspended bigint; d_admins bigint;
    begin
      if tg_op = 'INSERT' then
        select ${PG_DELTA} into d_total, d_active, d_verified, d_suspended, d_admins
        from (select 1 as sign, ${PG_COLUMNS} from new_rows) changes;
      elsif tg_op = 'DELETE' then
        select ${PG_DELTA} into d_total, d_active, d_verified, d_suspended, d_admins
        from (select -1 as sign, ${PG_COLUMNS} from old_rows) changes;
      else
        select ${PG_DELTA} into d_total, d_active, d_verified, d_suspended, d_admins
        from (select 1 as sign, ${PG_COLUMNS} from new_rows
              union all select -1, ${PG_COLUMNS} from old_rows) changes;
      end if;
      -- Most updates (a login's last_login_at, a profile edit) change no counter and take no counter lock.
      if d_total <> 0 or d_active <> 0 or d_verified <> 0 or d_suspended <> 0 or d_admins <> 0 then
        update user_counts set
          total = total + d_total, active = active + d_active, verified = verified + d_verified,
          suspended = suspended + d_suspended, admins = admins + d_admins
        where slot = pg_backend_pid() % ${PG_SLOTS};
      end if;
      return null;
    end $$`)
    .execute(db);
  await sql`create trigger user_counts_on_insert after insert on users referencing new table as new_rows
    for each statement execute function user_counts_apply()`.execute(db);
  await sql`create trigger user_counts_on_update after update on users referencing old table as old_rows new table as new_rows
    for each statement execute function user_counts_apply()`.execute(db);
  await sql`create trigger user_counts_on_delete after delete on users referencing old table as old_rows
    for each statement execute function user_counts_apply()`.execute(db);
}

/** SQLite keeps booleans as 0/1: each counter moves by the value of its condition on the row. */
const SQLITE_COUNTERS: ReadonlyArray<readonly [string, (row: 'new' | 'old') => string]> = [
  ['active', (row) => `(${row}.is_active <> 0 and ${row}.is_suspended = 0)`],
  ['verified', (row) => `(${row}.is_verified <> 0)`],
  ['suspended', (row) => `(${row}.is_suspended <> 0)`],
  ['admins', (row) => `(${row}.role = 'admin')`],
];

async function createSqliteTriggers(db: Kysely<unknown>): Promise<void> {
  const set = (term: (condition: (row: 'new' | 'old') => string) => string) =>
    SQLITE_COUNTERS.map(([name, condition]) => `${name} = ${name} + ${term(condition)}`).join(', ');
  await sql
    .raw(`create trigger user_counts_on_insert after insert on users begin
      update user_counts set total = total + 1, ${set((c) => c('new'))} where slot = 0; end`)
    .execute(db);
  await sql
    .raw(`create trigger user_counts_on_delete after delete on users begin
      update user_counts set total = total - 1, ${set((c) => `-${c('old')}`)} where slot = 0; end`)
    .execute(db);
  await sql
    .raw(`create trigger user_counts_on_update after update of role, is_active, is_verified, is_suspended on users
      when old.role is not new.role or old.is_active is not new.is_active
        or old.is_verified is not new.is_verified or old.is_suspended is not new.is_suspended
      begin update user_counts set ${set((c) => `${c('new')} - ${c('old')}`)} where slot = 0; end`)
    .execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Gatehouse migrations are forward-only');
}
