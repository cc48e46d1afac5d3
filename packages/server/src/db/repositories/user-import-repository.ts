import { type Kysely, SqliteAdapter, sql } from 'kysely';
import type { Role } from '../../domain/accounts/user.js';
import type { DatabaseSchema } from '../schema.js';

/** A user already in the database that an imported row collides with (same id, email or username). */
export interface ExistingUser {
  readonly id: string;
  readonly email: string | null;
  readonly username: string | null;
  readonly role: Role;
  readonly isActive: boolean;
  readonly isSuspended: boolean;
  readonly updatedAt: number;
}

export interface ImportRow {
  readonly id: string;
  readonly email: string | null;
  readonly username: string | null;
  readonly displayName: string | null;
  readonly passwordHash: string;
  readonly role: Role;
  readonly isActive: boolean;
  readonly isVerified: boolean;
  readonly isSuspended: boolean;
  readonly createdAt: number;
  readonly lastLoginAt: number | null;
}

const flag = (value: boolean) => (value ? 1 : 0);

/** Bulk writes for `gatehouse user import`: a batch of users per statement, collisions looked up per batch. */
export class UserImportRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  /**
   * A bulk import reads each index page about once, so SQLite's 64 MiB page cache (sized for the user directory's
   * random reads) would only hold memory: 8 MiB keeps a million-row import under its memory budget at the same
   * speed (bench/import-users.mjs). Only this process's connection changes; PostgreSQL needs nothing.
   */
  async preferSmallCache(): Promise<void> {
    if (this.db.getExecutor().adapter instanceof SqliteAdapter) await sql`pragma cache_size = -8192`.execute(this.db);
  }

  /** Users with one of these ids, lower-cased emails or lower-cased usernames (served by the unique indexes). */
  async findMatches(ids: readonly string[], emails: readonly string[], usernames: readonly string[]): Promise<ExistingUser[]> {
    const select = () => this.db.selectFrom('users').select(['id', 'email', 'username', 'role', 'is_active', 'is_suspended', 'updated_at']);
    const queries = [
      ids.length > 0 ? select().where('id', 'in', ids) : undefined,
      emails.length > 0 ? select().where(sql<string>`lower(email)`, 'in', emails) : undefined,
      usernames.length > 0 ? select().where(sql<string>`lower(username)`, 'in', usernames) : undefined,
    ];
    const found = new Map<string, ExistingUser>();
    for (const query of queries) {
      for (const row of query ? await query.execute() : []) {
        found.set(row.id, {
          id: row.id,
          email: row.email,
          username: row.username,
          role: row.role as Role,
          isActive: Boolean(row.is_active),
          isSuspended: Boolean(row.is_suspended),
          updatedAt: Number(row.updated_at),
        });
      }
    }
    return [...found.values()];
  }

  /**
   * Inserts the rows in one statement; a row that collides after all (a concurrent registration) is left out by
   * ON CONFLICT DO NOTHING. Returns how many were inserted. `at` is updated_at and password_changed_at.
   */
  async insertMany(rows: readonly ImportRow[], at: number): Promise<number> {
    if (rows.length === 0) return 0;
    const result = await this.db
      .insertInto('users')
      .values(
        rows.map((row) => ({
          id: row.id,
          email: row.email,
          username: row.username,
          display_name: row.displayName,
          password_hash: row.passwordHash,
          role: row.role,
          is_active: flag(row.isActive),
          is_verified: flag(row.isVerified),
          is_suspended: flag(row.isSuspended),
          suspended_reason: null,
          suspended_until: null,
          password_changed_at: at,
          created_at: row.createdAt,
          updated_at: at,
          last_login_at: row.lastLoginAt,
        })),
      )
      .onConflict((conflict) => conflict.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n);
  }

  /**
   * Overwrites an existing user with an imported row (--on-conflict update); the id stays. A missing email,
   * username or password (null) keeps the stored one; a different hash moves password_changed_at.
   */
  async update(id: string, row: ImportRow | Omit<ImportRow, 'passwordHash'> & { passwordHash: string | null }, at: number): Promise<void> {
    await this.db
      .updateTable('users')
      .set((eb) => ({
        email: row.email ?? eb.ref('email'),
        username: row.username ?? eb.ref('username'),
        display_name: row.displayName,
        ...(row.passwordHash !== null && {
          password_hash: row.passwordHash,
          password_changed_at: sql<number>`case when password_hash = ${row.passwordHash} then password_changed_at else ${at} end`,
        }),
        role: row.role,
        is_active: flag(row.isActive),
        is_verified: flag(row.isVerified),
        is_suspended: flag(row.isSuspended),
        created_at: row.createdAt,
        last_login_at: row.lastLoginAt ?? eb.ref('last_login_at'),
        updated_at: at,
      }))
      .where('id', '=', id)
      .execute();
  }
}
