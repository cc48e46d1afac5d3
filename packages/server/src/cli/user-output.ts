import type { User } from '../domain/accounts/user.js';

const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());

/** The same fields the HTTP API returns for a user, plus the suspension details an operator needs. */
export function userRecord(user: User): Record<string, unknown> {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    display_name: user.displayName,
    role: user.role,
    is_active: user.isActive,
    is_verified: user.isVerified,
    is_suspended: user.isSuspended,
    suspended_reason: user.suspendedReason,
    suspended_until: iso(user.suspendedUntil),
    created_at: iso(user.createdAt),
    updated_at: iso(user.updatedAt),
    last_login_at: iso(user.lastLoginAt),
  };
}

/** One `name: value` line per field, aligned; absent values read "(none)". */
export function printUser(user: User, heading?: string): void {
  if (heading) console.log(heading);
  const record = userRecord(user);
  const width = Math.max(...Object.keys(record).map((key) => key.length)) + 1;
  for (const [key, value] of Object.entries(record)) {
    console.log(`  ${`${key}:`.padEnd(width)} ${value === null ? '(none)' : String(value)}`);
  }
}
