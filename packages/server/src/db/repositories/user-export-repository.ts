import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import type { Role, User } from '../../domain/accounts/user.js';
import type { DatabaseSchema } from '../schema.js';
import { toUser } from './user-repository.js';

export type ExportStatus = 'active' | 'suspended' | 'inactive' | 'unverified';

export interface ExportFilter {
  readonly role?: Role | undefined;
  readonly status?: ExportStatus | undefined;
}

/** A user as an export carries them; the hash only when it was asked for. */
export interface ExportedUser {
  readonly user: User;
  readonly passwordHash?: string;
}

// The user directory's status filters (user-directory-repository.ts), as terms on a row.
const STATUS_CONDITIONS: Record<ExportStatus, Expression<SqlBool>> = {
  active: sql<SqlBool>`is_active and not is_suspended`,
  suspended: sql<SqlBool>`is_suspended`,
  inactive: sql<SqlBool>`not is_active`,
  unverified: sql<SqlBool>`not is_verified`,
};

/**
 * Users for `gatehouse user export`, in primary-key order a page at a time: each page is one indexed range read
 * after the last id of the one before, so the whole table is read once however large it is, and never held.
 */
export class UserExportRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async page(filter: ExportFilter, afterId: string | undefined, limit: number, withPasswordHashes: boolean): Promise<ExportedUser[]> {
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .$if(afterId !== undefined, (q) => q.where('id', '>', afterId as string))
      .$if(filter.role !== undefined, (q) => q.where('role', '=', filter.role as Role))
      .$if(filter.status !== undefined, (q) => q.where(STATUS_CONDITIONS[filter.status as ExportStatus]))
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ user: toUser(row), ...(withPasswordHashes && { passwordHash: row.password_hash }) }));
  }
}
