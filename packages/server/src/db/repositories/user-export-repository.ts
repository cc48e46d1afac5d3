import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import type { Role } from '../../domain/accounts/user.js';
import type { DatabaseSchema } from '../schema.js';

export type ExportStatus = 'active' | 'suspended' | 'inactive' | 'unverified';

export interface ExportFilter {
  readonly role?: Role | undefined;
  readonly status?: ExportStatus | undefined;
}

/** What an export carries of a user; the hash only when it was asked for (it is not even read otherwise). */
export interface ExportedUser {
  readonly id: string;
  readonly email: string | null;
  readonly username: string | null;
  readonly displayName: string | null;
  readonly role: Role;
  readonly isActive: boolean;
  readonly isVerified: boolean;
  readonly isSuspended: boolean;
  readonly createdAt: number;
  readonly lastLoginAt: number | null;
  readonly passwordHash?: string;
}

// The user directory's status filters (user-directory-repository.ts), as terms on a row.
const STATUS_CONDITIONS: Record<ExportStatus, Expression<SqlBool>> = {
  active: sql<SqlBool>`is_active and not is_suspended`,
  suspended: sql<SqlBool>`is_suspended`,
  inactive: sql<SqlBool>`not is_active`,
  unverified: sql<SqlBool>`not is_verified`,
};

const COLUMNS = ['id', 'email', 'username', 'display_name', 'role', 'is_active', 'is_verified', 'is_suspended', 'created_at', 'last_login_at'] as const;

/**
 * Users for `gatehouse user export`, in primary-key order a page at a time: each page is one indexed range read
 * after the last id of the one before, so the whole table is read once however large it is, and never held.
 */
export class UserExportRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async page(filter: ExportFilter, afterId: string | undefined, limit: number, withPasswordHashes: boolean): Promise<ExportedUser[]> {
    const rows = await this.db
      .selectFrom('users')
      .select(COLUMNS)
      .$if(withPasswordHashes, (q) => q.select('password_hash'))
      .$if(afterId !== undefined, (q) => q.where('id', '>', afterId as string))
      .$if(filter.role !== undefined, (q) => q.where('role', '=', filter.role as Role))
      .$if(filter.status !== undefined, (q) => q.where(STATUS_CONDITIONS[filter.status as ExportStatus]))
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => {
      const hash = (row as { password_hash?: string }).password_hash;
      return {
        id: row.id,
        email: row.email,
        username: row.username,
        displayName: row.display_name,
        role: row.role as Role,
        isActive: Boolean(row.is_active),
        isVerified: Boolean(row.is_verified),
        isSuspended: Boolean(row.is_suspended),
        createdAt: Number(row.created_at),
        lastLoginAt: row.last_login_at === null ? null : Number(row.last_login_at),
        ...(hash !== undefined && { passwordHash: hash }),
      };
    });
  }
}
