import type { Kysely, Selectable } from 'kysely';
import type { RateLimitOverrides, Role, User } from '../../domain/accounts/user.js';
import type { DatabaseSchema, UsersTable } from '../schema.js';

export interface NewUserRow {
  readonly id: string;
  readonly email: string | null;
  readonly username: string | null;
  readonly displayName: string | null;
  readonly passwordHash: string;
  readonly role: Role;
  readonly isActive: boolean;
  readonly isVerified: boolean;
  readonly at: number;
}

export interface ProfileChanges {
  readonly email?: string;
  readonly username?: string;
  readonly displayName?: string | null;
  readonly isVerified?: boolean;
}

/** What an administrator may change on an account: the profile, and also role and status. */
export interface AccountChanges extends ProfileChanges {
  readonly role?: Role;
  readonly isActive?: boolean;
  /** Only the windows named change; null puts a window back to the role's default. */
  readonly rateLimits?: Partial<RateLimitOverrides>;
}

export interface Suspension {
  readonly suspended: boolean;
  readonly reason: string | null;
  readonly until: number | null;
}

export interface UserCredentials {
  readonly user: User;
  readonly passwordHash: string;
}

const flag = (value: boolean) => (value ? 1 : 0);

export function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    email: row.email,
    username: row.username,
    displayName: row.display_name,
    role: row.role as Role,
    isActive: Boolean(row.is_active),
    isVerified: Boolean(row.is_verified),
    isSuspended: Boolean(row.is_suspended),
    suspendedReason: row.suspended_reason,
    suspendedUntil: row.suspended_until,
    passwordChangedAt: row.password_changed_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastLoginAt: row.last_login_at,
    totalRequests: Number(row.total_requests),
    lastSeenAt: row.last_seen_at,
    rateLimits: { perMinute: row.rate_limit_per_minute, perHour: row.rate_limit_per_hour, perDay: row.rate_limit_per_day },
  };
}

export class UserRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async insert(user: NewUserRow): Promise<void> {
    await this.db
      .insertInto('users')
      .values({
        id: user.id,
        email: user.email,
        username: user.username,
        display_name: user.displayName,
        password_hash: user.passwordHash,
        role: user.role,
        is_active: flag(user.isActive),
        is_verified: flag(user.isVerified),
        is_suspended: 0,
        suspended_reason: null,
        suspended_until: null,
        password_changed_at: user.at,
        created_at: user.at,
        updated_at: user.at,
        last_login_at: null,
      })
      .execute();
  }

  async findById(id: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async findByEmail(email: string): Promise<User | undefined> {
    return (await this.credentialsWhere('email', email))?.user;
  }

  /** By email (stored lower case) or, case-insensitively, by username; served by the unique expression indexes. */
  credentialsByEmail(email: string): Promise<UserCredentials | undefined> {
    return this.credentialsWhere('email', email);
  }

  credentialsByUsername(username: string): Promise<UserCredentials | undefined> {
    return this.credentialsWhere('username', username);
  }

  async credentialsById(id: string): Promise<UserCredentials | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && { user: toUser(row), passwordHash: row.password_hash };
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    // A rehash keeps the same password, so password_changed_at stays as it was.
    await this.db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute();
  }

  /** Sets the fields `changes` names; a user's own profile edits pass only ProfileChanges. */
  async updateAccount(id: string, changes: AccountChanges, at: number): Promise<User | undefined> {
    const row = await this.db
      .updateTable('users')
      .set({
        ...(changes.email !== undefined && { email: changes.email }),
        ...(changes.username !== undefined && { username: changes.username }),
        ...(changes.displayName !== undefined && { display_name: changes.displayName }),
        ...(changes.isVerified !== undefined && { is_verified: flag(changes.isVerified) }),
        ...(changes.role !== undefined && { role: changes.role }),
        ...(changes.isActive !== undefined && { is_active: flag(changes.isActive) }),
        ...(changes.rateLimits?.perMinute !== undefined && { rate_limit_per_minute: changes.rateLimits.perMinute }),
        ...(changes.rateLimits?.perHour !== undefined && { rate_limit_per_hour: changes.rateLimits.perHour }),
        ...(changes.rateLimits?.perDay !== undefined && { rate_limit_per_day: changes.rateLimits.perDay }),
        updated_at: at,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toUser(row);
  }

  /**
   * The admins who can act now (active, and not suspended or with a suspension run out), locked until the
   * transaction ends, in id order so that two callers lock them in the same order. Of two transactions checking
   * "is there another admin?" the second waits for the first to commit and then sees its change.
   */
  async lockActiveAdmins(now: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'admin')
      .where('is_active', '=', 1)
      .where((eb) => eb.or([eb('is_suspended', '=', 0), eb('suspended_until', '<=', now)]))
      .orderBy('id')
      .forUpdate()
      .execute();
    return rows.map((row) => row.id);
  }

  /** A new password: password_changed_at moves, which is what "sessions older than the password" checks read. */
  async setPassword(id: string, passwordHash: string, at: number): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ password_hash: passwordHash, password_changed_at: at, updated_at: at })
      .where('id', '=', id)
      .execute();
  }

  /** Verifies the user only while `email` is still their address, so a token mailed to an old address verifies nothing. */
  async markVerified(id: string, email: string, at: number): Promise<User | undefined> {
    const row = await this.db
      .updateTable('users')
      .set({ is_verified: 1, updated_at: at })
      .where('id', '=', id)
      .where('email', '=', email)
      .returningAll()
      .executeTakeFirst();
    return row && toUser(row);
  }

  async setSuspension(id: string, suspension: Suspension, at: number): Promise<User | undefined> {
    const row = await this.db
      .updateTable('users')
      .set({
        is_suspended: flag(suspension.suspended),
        suspended_reason: suspension.reason,
        suspended_until: suspension.until,
        updated_at: at,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toUser(row);
  }

  /** Lifts timed suspensions that have run out; returns the users concerned. */
  async endExpiredSuspensions(now: number): Promise<string[]> {
    const rows = await this.db
      .updateTable('users')
      .set({ is_suspended: 0, suspended_reason: null, suspended_until: null, updated_at: now })
      .where('suspended_until', '<=', now)
      .where('is_suspended', '=', 1)
      .returning('id')
      .execute();
    return rows.map((row) => row.id);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async recordLogin(id: string, at: number): Promise<void> {
    await this.db.updateTable('users').set({ last_login_at: at }).where('id', '=', id).execute();
  }

  private async credentialsWhere(column: 'email' | 'username', value: string): Promise<UserCredentials | undefined> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb(eb.fn('lower', [column]), '=', value.toLowerCase()))
      .executeTakeFirst();
    return row && { user: toUser(row), passwordHash: row.password_hash };
  }
}
